import type { BatchResult, CommitPolicy, EventStore, IncomingReport } from '@livefeed/event-store';
import type { EventPublisher, InboundReport } from '@livefeed/messaging';
import { Failpoints } from '@livefeed/common';
import { expectEventually } from '@livefeed/common/testing';
import pino from 'pino';
import { IngestMetrics } from '../observability/ingest.metrics';
import { FilingOrder } from './filing-order.gate';
import { UNKNOWN_ENTRY_ATTEMPTS } from './deferral.policy';
import { ReportPipeline } from './report.pipeline';

/**
 * The pipeline's own decisions (when to defer, when to give up, how long reports wait) against
 * stand-ins for the store and the publisher; the real ones are exercised end to end in test/ingest.
 */

const enc = new TextEncoder();

class Message implements InboundReport {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly seq: number;
  readonly deliveryCount = 1;
  readonly settled: Array<{ how: 'ack' | 'nak' | 'term'; delayMs?: number }> = [];
  constructor(
    readonly storyId: string,
    id: string,
    seq = 1,
  ) {
    this.seq = seq;
    this.subject = `t.reports.${storyId}`;
    this.data = enc.encode(
      JSON.stringify({
        id,
        storyId,
        type: 'entry.pinned',
        author: 'desk:t',
        data: { entryId: 'e1' },
      }),
    );
  }
  ack() {
    this.settled.push({ how: 'ack' });
  }
  nak(delayMs?: number) {
    this.settled.push({ how: 'nak', delayMs });
  }
  term() {
    this.settled.push({ how: 'term' });
  }
  working() {}
}

/** A store whose next answers the test sets: results per call, or a failure. */
class ScriptedStore {
  /** Each call's items, with whether the policy would defer an `unknown-entry` rejection of each. */
  readonly calls: Array<Array<IncomingReport & { deferUnknownEntry: boolean }>> = [];
  next: Array<(items: IncomingReport[]) => BatchResult[]> = [];
  commitBatch(
    items: IncomingReport[],
    _now: string,
    policy: CommitPolicy = {},
  ): Promise<BatchResult[]> {
    this.calls.push(
      items.map((item) => ({
        ...item,
        deferUnknownEntry:
          policy.defers?.(item, {
            reportId: item.report.id,
            storyId: item.report.storyId,
            code: 'unknown-entry',
            message: 'no entry e1',
          }) ?? false,
      })),
    );
    const answer = this.next.shift();
    if (!answer) return Promise.reject(new Error('no scripted answer'));
    try {
      return Promise.resolve(answer(items));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  recordRejection() {
    return Promise.resolve({ duplicate: false });
  }
}

const outage = () => {
  throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
};
const deferred = (items: IncomingReport[]): BatchResult[] =>
  items.map((i) => ({
    kind: 'deferred',
    rejection: {
      reportId: i.report.id,
      storyId: i.report.storyId,
      code: 'unknown-entry',
      message: 'no entry e1',
    },
  }));

function setup(maxRetryDelayMs = 10_000) {
  let now = Date.parse('2026-11-24T12:00:00Z');
  const store = new ScriptedStore();
  const publisher = { publishEvents: () => Promise.resolve(), publishRejection: () => undefined };
  const pipeline = new ReportPipeline(
    store as unknown as EventStore,
    publisher as unknown as EventPublisher,
    new IngestMetrics(() => Promise.resolve(0)),
    Failpoints.none(),
    pino({ level: 'silent' }),
    new FilingOrder(
      { firstFrom: () => Promise.resolve(null) },
      () => true,
      () => undefined,
    ),
    { lanes: 2, batchSize: 100, maxRetryDelayMs },
    () => new Date(now),
  );
  return {
    store,
    pipeline,
    advance: (ms: number) => (now += ms),
    /** Hands a message over and waits until it is settled. */
    async run(message: Message) {
      const before = message.settled.length;
      // After a failed commit `handle` throws once, for the consumer to back off; it hands the
      // report back and it is delivered again.
      await pipeline.handle([message]).catch(() => pipeline.handle([message]));
      await pipeline.drain();
      expect(message.settled.length).toBe(before + 1);
      return message.settled[message.settled.length - 1];
    },
  };
}

describe('ReportPipeline', () => {
  it('gives a report naming an unknown entry a few attempts, then lets the rejection stand', async () => {
    const t = setup();
    const m = new Message('s1', 'r1');
    for (let attempt = 1; attempt < UNKNOWN_ENTRY_ATTEMPTS; attempt++) {
      t.store.next.push(deferred);
      expect(await t.run(m)).toMatchObject({ how: 'nak' });
      expect(t.store.calls.at(-1)![0].deferUnknownEntry).toBe(true);
    }
    t.store.next.push(() => [
      {
        kind: 'rejected',
        rejection: { reportId: 'r1', storyId: 's1', code: 'unknown-entry', message: 'x' },
        duplicate: false,
      },
    ]);
    expect(await t.run(m)).toEqual({ how: 'ack' });
    expect(t.store.calls.at(-1)![0].deferUnknownEntry).toBe(false);
  });

  it('brings a failed commit back within maxRetryDelayMs, however long the outage', async () => {
    const t = setup(700);
    const m = new Message('s1', 'r1');
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      t.store.next.push(outage);
      const settled = await t.run(m);
      expect(settled.how).toBe('nak');
      delays.push(settled.delayMs!);
    }
    expect(Math.max(...delays)).toBe(700);
    expect(delays[0]).toBeLessThan(700);
  });

  it('parks a report waiting for an earlier one until its turn comes, using up no attempt', async () => {
    const t = setup();
    const m = new Message('s1', 'r1', 7);
    const waiting = (items: IncomingReport[]) =>
      items.map((): BatchResult => ({ kind: 'waiting' }));
    t.store.next.push(waiting, waiting, (items) =>
      items.map((i): BatchResult => ({
        kind: 'rejected',
        rejection: { reportId: i.report.id, storyId: 's1', code: 'no-change', message: 'x' },
        duplicate: false,
      })),
    );
    await t.pipeline.handle([m]);
    await expectEventually(() => expect(m.settled).toEqual([{ how: 'ack' }]));
    expect(t.store.calls).toHaveLength(3);
    expect(t.store.calls.map((c) => c[0])).toEqual(
      Array(3).fill(expect.objectContaining({ deferUnknownEntry: true, seq: 7 })),
    );
  });

  it('hands what it parked back at shutdown, for another worker', async () => {
    const t = setup();
    const m = new Message('s1', 'r1', 7);
    const waiting = (items: IncomingReport[]) =>
      items.map((): BatchResult => ({ kind: 'waiting' }));
    // However often its retry comes round first, it is still waiting.
    t.store.next.push(...Array(20).fill(waiting));
    await t.pipeline.handle([m]);
    await expectEventually(() => expect(t.pipeline.parkedCount).toBe(1));
    await t.pipeline.drain();
    expect(m.settled).toEqual([{ how: 'nak', delayMs: 0 }]);
  });
});
