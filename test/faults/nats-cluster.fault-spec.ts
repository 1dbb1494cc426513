import { jetstreamManager } from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';
import { expectEventually } from '@livefeed/common/testing';
import { workload } from '../support/livefeed';
import { NatsCluster } from '../support/nats-cluster';
import { RoundRobinProxy } from '../support/round-robin-proxy';
import { clean, sized } from './fault.checker';
import { type FaultWorld, faultWorld, watchHealth } from './fault.world';

jest.setTimeout(sized(180_000, 600_000));

const STORIES = 20;
const REPORTS = sized(1_000, 10_000);
const DOWN_MS = sized(3_000, 15_000);

let cluster: NatsCluster | undefined;
let fault: FaultWorld;
let proxy: RoundRobinProxy | undefined;

beforeAll(async () => {
  cluster = await NatsCluster.start(3);
  fault = await faultWorld({ natsUrl: cluster.url });
});
afterAll(async () => {
  await proxy?.close();
  await fault?.close();
  await cluster?.destroy();
});

describe('a three-node NATS cluster with R3 streams, one node SIGKILLed and restarted', () => {
  it('loses no report, doubles none, and keeps readers gapless', async () => {
    const env = { LIVEFEED_STREAM_REPLICAS: '3' };
    const ingests = [await fault.ingest(env), await fault.ingest(env)];
    const gateways = [await fault.gateway(env), await fault.gateway(env)];
    const jsm = await jetstreamManager(fault.world.nc);
    // Each gateway's ordered consumer (R1, in memory) lives on one node, any of the three: have the
    // node that will die hold one, so that a gateway connected elsewhere loses its feed silently.
    await leadReportsFromAFeedNode();
    const reportsStream = await jsm.streams.info(fault.world.subjects.reportsStream);
    const eventsStream = await jsm.streams.info(fault.world.subjects.eventsStream);
    expect([reportsStream.config.num_replicas, eventsStream.config.num_replicas]).toEqual([3, 3]);

    proxy = new RoundRobinProxy(gateways.map((g) => g.port));
    await proxy.start();
    const reports = workload('c', STORIES, REPORTS / STORIES);
    await fault.openStories(reports.slice(0, STORIES));
    for (let s = 0; s < STORIES; s++) for (let r = 0; r < 3; r++) fault.follow(proxy.url, `c-${s}`);
    await fault.settle();

    const filing = fault.file(reports.slice(STORIES), { perSecond: sized(150, 300) });
    await delay(1500);
    // The node that leads the reports stream: the hardest one to lose.
    const leader = (await jsm.streams.info(fault.world.subjects.reportsStream)).cluster?.leader;
    expect(leader).toMatch(/^n\d$/);
    const feedsOnKilled = await feedConsumersOn(leader!);
    const outage = (async () => {
      await cluster!.kill(leader!);
      const downAt = Date.now();
      await delay(DOWN_MS);
      await cluster!.restart(leader!);
      return Date.now() - downAt;
    })();
    const [health, downMs] = await Promise.all([
      watchHealth({ ingest: ingests[0], gateway: gateways[0] }, outage),
      outage,
    ]);
    await filing;
    await fault.settle();
    const after = await jsm.streams.info(fault.world.subjects.reportsStream);

    const figures = await fault.check('a NATS cluster node (the stream leader) SIGKILLed', {
      killed: leader,
      feedsOnKilled,
      // Feeds that noticed their consumer had died with the node and made a new one.
      feedsRecreated: gateways
        .flatMap((g) => g.lines)
        .filter((l) => /missed \d+ heartbeats/.test(l)).length,
      downMs,
      newLeader: after.cluster?.leader,
      health,
    });
    expect(figures).toMatchObject(clean(figures));
    expect(figures.reports.committed).toBe(REPORTS);
    // The apps rode it out on the other two nodes: no process died.
    for (const p of [...ingests, ...gateways]) expect(p.child.exitCode).toBeNull();
  });
});

/** Asks the reports stream's leader to step down until it is a node that holds a gateway's feed. */
async function leadReportsFromAFeedNode(): Promise<void> {
  const { reportsStream, eventsStream } = fault.world.subjects;
  const jsm = await jetstreamManager(fault.world.nc);
  await expectEventually(
    async () => {
      const feeds = await jsm.consumers.list(eventsStream).next();
      const feedNodes = feeds.map((c) => c.cluster?.leader);
      const leader = (await jsm.streams.info(reportsStream)).cluster?.leader;
      if (feeds.length > 0 && feedNodes.includes(leader)) return;
      await fault.world.nc
        .request(`$JS.API.STREAM.LEADER.STEPDOWN.${reportsStream}`, undefined, { timeout: 5_000 })
        .catch(() => undefined);
      throw new Error(`${reportsStream} is led by ${leader}, the feeds are on ${feedNodes.join()}`);
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

/** How many of the events stream's consumers (the gateways' feeds) live on `node`. */
async function feedConsumersOn(node: string): Promise<number> {
  const jsm = await jetstreamManager(fault.world.nc);
  const consumers = await jsm.consumers.list(fault.world.subjects.eventsStream).next();
  return consumers.filter((c) => c.cluster?.leader === node).length;
}
