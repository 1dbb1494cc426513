import type { StoryEvent } from '@livefeed/domain';
import { expectEventually, GatewayHarness, type Reader } from './gateway.harness';

jest.setTimeout(60_000);

/**
 * The gapless promise under pressure: readers subscribe (fresh, from 0, from assorted versions) on two
 * instances — one of them without a catch-up cache, so its catch-ups race the database — while 300
 * events are committed, published out of order, and some are never published at all.
 */
describe('catch-up stitched to live events', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway();
    await h.startGateway({ LIVEFEED_GATEWAY_CACHE_EVENTS: '0' });
  });

  afterAll(async () => {
    await h.close();
  });

  it('gives every reader versions 1..N once and in order while subscribes race a burst of commits', async () => {
    const STORY = 'race-burst';
    await h.story(STORY, 0);
    let committed = 1;
    const published: Promise<void>[] = [];
    const committer = (async () => {
      for (let batch = 0; batch < 60; batch += 1) {
        const events = await h.commit(h.posts(STORY, committed - 1, 5), { publish: false });
        committed += events.length;
        // Reordered, and every seventh batch lost on the way (the hole is filled from PostgreSQL).
        const order: StoryEvent[] = batch % 2 === 0 ? [...events].reverse() : events;
        if (batch % 7 !== 3 || batch === 59) published.push(h.publish(order));
      }
    })();

    const readers: { reader: Reader; since: number | undefined }[] = [];
    const subscribes: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i += 1) {
      // Spread over the burst: each reader arrives once a few more events are committed.
      await expectEventually(() => expect(committed).toBeGreaterThan(i * 7), { intervalMs: 5 });
      const reader = await h.reader(h.gateways[i % 2]);
      const since = i % 4 === 0 ? undefined : i % 4 === 1 ? 0 : (i * 37) % committed;
      readers.push({ reader, since });
      subscribes.push(reader.subscribe(STORY, since));
    }
    await committer;
    await Promise.all(published);
    const acks = await Promise.all(subscribes);
    expect(acks.every((ack) => (ack as { ok: boolean }).ok)).toBe(true);

    await expectEventually(
      () => {
        for (const { reader, since } of readers) expect(reader.holds(STORY, since)).toBe(301);
      },
      { timeoutMs: 20_000 },
    );
    for (const g of h.gateways) {
      const text = await (await fetch(`${h.url(g)}/metrics`)).text();
      console.log(
        text
          .split('\n')
          .filter((l) => /catchup_events_count|database_reads|deliveries_total/.test(l))
          .join('\n'),
      );
    }
  });
});
