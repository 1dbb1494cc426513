import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { setTimeout as delay } from 'node:timers/promises';
import { subjectsFor, type Subjects } from '@livefeed/common';
import { expectEventually, uniqueSubjectRoot } from '@livefeed/common/testing';
import { NatsCluster } from '../../../test/support/nats-cluster';
import { EventFeed } from './event.feed';
import { connectNats } from './nats.connection';
import { EventPublisher } from './story.publishers';
import { ensureStreams } from './story.streams';
import { entryPosted } from './testing/events';

jest.setTimeout(120_000);

/** How long a node stays dead, and how soon after the last publish the feed must have caught up. */
const DOWN_MS = 3_000;
const CAUGHT_UP_WITHIN_MS = 15_000;
const TOTAL = 150;

/** Where things are: the events stream's leader, the feed's ordered consumer, its connection. */
interface Placement {
  readonly leader: string;
  readonly consumer: string;
  readonly connection: string;
}

/**
 * The gateway's feed on a three-node cluster with R3 streams (docs/faults.md: a gateway's feed once
 * stalled after a node died). Its ordered consumer is an R1 in-memory consumer that the server puts
 * on any one of the stream's nodes, not necessarily the one the feed's connection is on: when that
 * node dies, the consumer dies with it, and the connection, still up, hears nothing of it.
 */
describe('EventFeed on a NATS cluster, a node SIGKILLed while events flow', () => {
  let cluster: NatsCluster;
  let subjects: Subjects;
  const connections: NatsConnection[] = [];
  const feeds: EventFeed[] = [];

  const connectTo = async (url: string, name: string) => {
    const nc = await connectNats({ url, name, reconnectTimeWaitMs: 200 });
    connections.push(nc);
    return nc;
  };
  const urlOf = (name: string) => `nats://127.0.0.1:${cluster.node(name).port}`;

  beforeAll(async () => {
    cluster = await NatsCluster.start(3);
  });
  beforeEach(() => {
    subjects = subjectsFor(uniqueSubjectRoot());
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
  });
  afterAll(() => cluster?.destroy());

  /**
   * Starts a feed connected to `feedNode`, restarted until its consumer sits where `wanted` says
   * (the server places it at random), then publishes events 1…TOTAL through the whole cluster
   * while the `victim` node is SIGKILLed for DOWN_MS and restarted, and checks that the feed handed
   * over every event exactly once, in order, soon after the last one was published.
   */
  async function survives({
    feedNode,
    wanted,
    victim,
  }: {
    feedNode: (leader: string) => string;
    wanted: (p: Placement) => boolean;
    victim: (p: Placement) => string;
  }): Promise<void> {
    const admin = await connectTo(cluster.url, 'admin');
    // A cluster that just formed may not place an R3 stream yet ("insufficient resources").
    await expectEventually(() => ensureStreams(admin, subjects, { replicas: 3 }), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const jsm = await jetstreamManager(admin);
    const leader = (await jsm.streams.info(subjects.eventsStream)).cluster?.leader ?? '';
    expect(leader).toMatch(/^n\d$/);

    const nc = await connectTo(urlOf(feedNode(leader)), 'feed');
    const errors: string[] = [];
    const feed = new EventFeed(nc, subjects, {
      onError: (error, context) => errors.push(`${context}: ${error.message}`),
    });
    feeds.push(feed);
    const versions: number[] = [];
    feed.onEvent((event) => versions.push(event.version));
    const placement = await expectEventually(
      async () => {
        await feed.stop();
        await feed.start();
        // The one of the session just started (the stopped one's is deleted in the background).
        const consumers = await jsm.consumers.list(subjects.eventsStream).next();
        if (consumers.length !== 1) throw new Error(`${consumers.length} consumers`);
        const [consumer] = consumers;
        const p = {
          leader,
          consumer: consumer?.cluster?.leader ?? '',
          connection: nc.info?.server_name ?? '',
        };
        if (!wanted(p)) throw new Error(`not the placement wanted: ${JSON.stringify(p)}`);
        return p;
      },
      { timeoutMs: 30_000, intervalMs: 0 },
    );
    const killed = victim(placement);

    const publisher = new EventPublisher(admin, subjects);
    let published = 0;
    // Retried until the cluster takes it (a new leader is elected); the message id dedups.
    const publish = async (version: number) => {
      await expectEventually(() => publisher.publishEvent(entryPosted('story', version)), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      published = version;
    };
    const filing = (async () => {
      for (let v = 1; v <= TOTAL; v++) {
        await publish(v);
        await delay(20);
      }
    })();
    await expectEventually(() => expect(published).toBeGreaterThanOrEqual(20));
    await cluster.kill(killed);
    await delay(DOWN_MS);
    await cluster.restart(killed);
    await filing;
    const lastPublishedAt = Date.now();

    await expectEventually(() => expect(versions.length).toBeGreaterThanOrEqual(TOTAL), {
      timeoutMs: CAUGHT_UP_WITHIN_MS,
      intervalMs: 50,
    }).catch((error: unknown) => {
      throw new Error(
        `feed (${JSON.stringify(placement)}, ${killed} killed) stalled at ${versions.length} of ` +
          `${TOTAL} events ${Date.now() - lastPublishedAt} ms after the last was published; ` +
          `errors: ${JSON.stringify(errors)}\n${String(error)}`,
      );
    });
    expect(versions).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  }

  type Case = Parameters<typeof survives>[0];
  const onLeader = (leader: string) => leader;
  const offLeader = (leader: string) => cluster.nodes.find((n) => n.name !== leader)!.name;
  const cases: Array<[string, Case]> = [
    [
      'the node holding the feed’s consumer dies, its connection is on another',
      { feedNode: onLeader, wanted: (p) => p.consumer !== p.connection, victim: (p) => p.consumer },
    ],
    [
      'the stream leader dies, neither the feed’s consumer nor its connection is on it',
      { feedNode: offLeader, wanted: (p) => p.consumer !== p.leader, victim: (p) => p.leader },
    ],
    [
      'the node the feed’s connection is on dies, its consumer is on another',
      {
        feedNode: onLeader,
        wanted: (p) => p.consumer !== p.connection,
        victim: (p) => p.connection,
      },
    ],
    [
      'the node the feed’s connection and its consumer are on dies',
      {
        feedNode: onLeader,
        wanted: (p) => p.consumer === p.connection,
        victim: (p) => p.connection,
      },
    ],
  ];
  it.each(cases)('%s', async (_name, placement) => {
    await survives(placement);
  });
});
