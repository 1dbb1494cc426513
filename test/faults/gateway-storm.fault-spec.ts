import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { expectEventually } from '@livefeed/common/testing';
import { workload } from '../support/livefeed';
import type { AppProcess } from '../support/processes';
import { RoundRobinProxy } from '../support/round-robin-proxy';
import { clean, sized } from './fault.checker';
import { faultWorldOfFile, metric } from './fault.world';

jest.setTimeout(sized(180_000, 900_000));

const STORIES = 10;
const SUBSCRIBERS = sized(200, 2_000);
const REPORTS = sized(1_000, 6_000);

let proxy: RoundRobinProxy | undefined;
// Before the world's own hook, so that the proxy goes first (hooks run in the order declared).
afterAll(() => proxy?.close());
const fault = faultWorldOfFile();

/** PostgreSQL's own count of what this database was asked (the whole cluster is the test's). */
async function databaseStats(): Promise<{ xacts: number; tuples: number }> {
  const name = new URL(fault.world.db.url).pathname.slice(1);
  const [row] = await fault.pg.query<{ x: string; t: string }>(
    'SELECT xact_commit + xact_rollback AS x, tup_returned + tup_fetched AS t FROM pg_stat_database WHERE datname = $1',
    [name],
  );
  return { xacts: Number(row.x), tuples: Number(row.t) };
}

const reads = (g: AppProcess) => metric(g, 'livefeed_gateway_database_reads_total');

/** p50, p90 and the largest of some durations, in ms. */
function spread(ms: number[]): { p50?: number; p90?: number; max?: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p90: at(0.9), max: sorted.at(-1) };
}

/** Of the readers that went offline after `t0`: how soon each was back (subscribing), and live. */
function recoveryAfter(t0: number) {
  const back: number[] = [];
  const live: number[] = [];
  for (const { follower: f } of fault.readers) {
    const off = f.statuses.findIndex((s, i) => s === 'offline' && f.statusAt[i] >= t0);
    if (off < 0) continue;
    const next = (status: string) => f.statuses.findIndex((s, i) => i > off && s === status);
    const [b, l] = [next('catching-up'), next('live')];
    if (b >= 0) back.push(f.statusAt[b] - t0);
    if (l >= 0) live.push(f.statusAt[l] - t0);
  }
  return { moved: back.length, backMs: spread(back), liveMs: spread(live) };
}

describe(`${SUBSCRIBERS} subscribers over two gateways while reports flow`, () => {
  it('each get every event exactly once through a kill, its storm, and a rolling restart', async () => {
    await fault.ingest();
    await fault.ingest();
    const gateways = await Promise.all([fault.gateway(), fault.gateway()]);
    const ports = gateways.map((g) => g.port);
    proxy = new RoundRobinProxy(ports);
    await proxy.start();
    const reports = workload('g', STORIES, REPORTS / STORIES);
    await fault.openStories(reports.slice(0, STORIES));
    for (let i = 0; i < SUBSCRIBERS; i++) fault.follow(proxy.url, `g-${i % STORIES}`);
    await fault.settle();

    const filing = fault.file(reports.slice(STORIES), { perSecond: sized(60, 60), chunk: 10 });
    const onPort = (i: number) =>
      fault.fleet.start('gateway', {
        ...fault.world.env,
        GATEWAY_PORT: String(ports[i]),
      });
    /** Every reader connected to `g` (all moved over) and live again. */
    const allLiveOn = (g: AppProcess) =>
      expectEventually(
        async () => {
          const down: Record<string, number> = {};
          for (const { follower } of fault.readers)
            if (follower.sub.status !== 'live')
              down[follower.sub.status] = (down[follower.sub.status] ?? 0) + 1;
          expect(down).toEqual({});
          expect(await metric(g, 'livefeed_gateway_connected_sockets')).toBe(SUBSCRIBERS);
        },
        { timeoutMs: sized(60_000, 120_000), intervalMs: 250 },
      );
    const wentOffline = () =>
      fault.readers.filter((r) => r.follower.statuses.includes('offline')).length;

    // 1. Gateway B dies without a word: its readers storm onto A.
    await delay(2000);
    // How long this process stalled (its readers run in workers: docs/faults.md).
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    const [stormBefore, readsBefore] = [await databaseStats(), await reads(gateways[0])];
    const killedAt = Date.now();
    gateways[1].kill('SIGKILL');
    await gateways[1].exited;
    await allLiveOn(gateways[0]);
    const stormMs = Date.now() - killedAt;
    const stormRecovery = recoveryAfter(killedAt);
    const failedOver = wentOffline();
    const stormReads = (await reads(gateways[0])) - readsBefore;
    const stormStats = await databaseStats();
    gateways[1] = await onPort(1);

    // 2. A rolling restart, one gateway after the other, each back before the next goes.
    await delay(1000);
    const rollingBefore = await databaseStats();
    let rollingReads = 0;
    const rolling: ({ ms: number; stopMs: number } & ReturnType<typeof recoveryAfter>)[] = [];
    for (const i of [0, 1]) {
      const other = gateways[1 - i];
      const otherBefore = await reads(other);
      const stoppedAt = Date.now();
      await gateways[i].stop();
      const stopMs = Date.now() - stoppedAt;
      await allLiveOn(other);
      rolling.push({ ms: Date.now() - stoppedAt, stopMs, ...recoveryAfter(stoppedAt) });
      gateways[i] = await onPort(i);
      rollingReads += (await reads(other)) - otherBefore;
    }
    const rollingStats = await databaseStats();
    lag.disable();
    await filing;
    await fault.settle();

    const figures = await fault.check(
      `a gateway SIGKILLed under ${SUBSCRIBERS} subscribers, then a rolling restart`,
      {
        stormMs,
        stormRecovery,
        failedOver,
        stormGatewayReads: stormReads,
        stormPgXacts: stormStats.xacts - stormBefore.xacts,
        stormPgTuples: stormStats.tuples - stormBefore.tuples,
        rollingGatewayReads: rollingReads,
        rollingPgXacts: rollingStats.xacts - rollingBefore.xacts,
        rolling,
        testLoopLagMaxMs: Math.round(lag.max / 1e6),
        routed: Object.fromEntries(proxy.routed),
      },
    );
    expect(figures).toMatchObject(clean(figures));
    // The storm was one: about half the readers were on the killed gateway and moved.
    expect(failedOver).toBeGreaterThanOrEqual(SUBSCRIBERS / 4);
    // No stampede: catch-ups come from the gateway's memory, a few reads per story at most, not
    // one or more per reconnecting client.
    expect(stormReads).toBeLessThanOrEqual(STORIES * 3);
    expect(rollingReads).toBeLessThanOrEqual(STORIES * 6);
  });
});
