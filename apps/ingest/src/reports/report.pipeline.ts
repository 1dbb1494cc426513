import { parseReportBytes, type Rejection, type StoryEvent } from '@livefeed/domain';
import {
  isRetryableDatabaseError,
  type BatchResult,
  type CommitPolicy,
  type EventStore,
  type IncomingReport,
} from '@livefeed/event-store';
import { backoffDelay, type EventPublisher, type InboundReport } from '@livefeed/messaging';
import { Failpoints } from '@livefeed/common';
import type { Logger } from 'pino';
import type { IngestMetrics } from '../observability/ingest.metrics';
import { StoryScheduler } from './story.scheduler';
import type { FilingOrder } from './filing-order.gate';
import { ParkedReports } from './parked-reports.queue';
import { DeferralPolicy, retryDelay } from './deferral.policy';

/**
 * How often reports parked behind an earlier report of their story try again when the story did not
 * move on here. That one is being committed by another worker (milliseconds) or comes back from a dead
 * one within the consumer's ack wait.
 */
export const FILING_WAIT_MS = 250;
/** The fewest reports a transaction takes from a backlog shared among the lanes. */
const MIN_SHARE = 50;
/** Committed batches, across all lanes, whose publishes may still await their acks. */
const MAX_BATCHES_IN_FLIGHT = 8;

export interface PipelineOptions {
  /** Transactions that may run at once, each over its own set of stories. */
  readonly lanes: number;
  /** The longest a report waits to come back after a transient failure (the consumer's own cap). */
  readonly maxRetryDelayMs: number;
  /** The most reports one transaction takes. */
  readonly batchSize: number;
  /** How long a trickle waits for more reports when no transaction runs (StoryScheduler); 0 by default. */
  readonly lingerMs?: number;
  /** Told of each batch's new events right after its commit (the snapshot writer). */
  readonly committed?: (events: readonly StoryEvent[]) => void;
}

/** A message parsed: a report to decide, or a rejection that parsing already made. */
type Parsed =
  | { readonly message: InboundReport; readonly item: IncomingReport }
  | { readonly message: InboundReport; readonly rejection: Rejection };
type Pending = Extract<Parsed, { item: IncomingReport }>;
type Invalid = Extract<Parsed, { rejection: Rejection }>;

/**
 * Turns JetStream messages into recorded outcomes: parse, decide and commit in one transaction,
 * publish what was decided, and only then ack.
 *
 * A backlog is shared out among a few lanes (StoryScheduler) that commit at once, each over its own
 * stories, so the round trips of one transaction overlap the work of the others; a story is in one
 * transaction at a time, so its reports are decided in the order they arrived. A transient failure (the database is down) naks the lane's
 * reports with a growing delay and makes the next `handle` throw, so the consumer backs off too:
 * nothing is rejected or skipped for an outage.
 */
export class ReportPipeline {
  private readonly scheduler: StoryScheduler<Parsed>;

  constructor(
    private readonly store: EventStore,
    private readonly publisher: EventPublisher,
    private readonly metrics: IngestMetrics,
    private readonly failpoints: Failpoints,
    private readonly log: Logger,
    private readonly filing: FilingOrder,
    private readonly options: PipelineOptions = {
      lanes: 1,
      batchSize: 500,
      maxRetryDelayMs: 5_000,
    },
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.scheduler = new StoryScheduler(
      options.lanes,
      {
        maxBatch: options.batchSize,
        minBatch: Math.min(options.batchSize, MIN_SHARE),
        maxQueued: options.batchSize,
        lingerMs: options.lingerMs ?? 0,
      },
      (batch) => this.work(batch),
      (error) => this.log.error({ err: error }, 'committing reports failed unexpectedly'),
    );
    this.policy = { gate: filing.gate, defers: this.deferral.defers };
    this.parked = new ParkedReports<Pending>(FILING_WAIT_MS, (storyId, items) => {
      void this.scheduler.push(items.map((item) => ({ key: storyId, item })));
    });
  }

  private readonly parked: ParkedReports<Pending>;

  private readonly deferral = new DeferralPolicy();
  private readonly policy: CommitPolicy;
  private readonly inflight = new Set<Promise<void>>();
  /** Consecutive transient failures, for the delay of the naks. */
  private failures = 0;
  /** A transient failure the consumer has not been told of yet. */
  private failure?: unknown;

  /** Parses a batch and queues it for the lanes; resolves once they can take more. */
  async handle(messages: readonly InboundReport[]): Promise<void> {
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    this.metrics.received.inc(messages.length);
    this.metrics.batchSize.observe(messages.length);
    const queued: Array<{ key: string; item: Parsed }> = [];
    for (const message of messages) {
      this.filing.delivered(message.seq, message.deliveryCount);
      const item = this.parse(message);
      if ('item' in item && this.filing.holdsBack(message.storyId, message.seq)) this.park(item);
      else queued.push({ key: message.storyId, item });
    }
    await this.scheduler.push(queued);
  }

  /** Waits until every report handed over so far is committed, published and settled (shutdown). */
  async drain(): Promise<void> {
    await this.scheduler.drain();
    for (const { message } of this.parked.takeAll()) this.handBack(message, 0);
    await this.scheduler.drain();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /** Reports parked behind an earlier report of their story (for tests and metrics). */
  get parkedCount(): number {
    return this.parked.size;
  }

  private park(pending: Pending): void {
    this.metrics.waiting.inc();
    // Still held here, but no longer vouched for: a later report of the story must wait for it too.
    this.filing.released(pending.message.seq);
    this.parked.park(pending.message.storyId, pending);
  }

  private parse(message: InboundReport): Parsed {
    const parsed = parseReportBytes(message.data, {
      subjectStoryId: message.storyId,
      // Only an unreadable report needs it; reading the sequence parses the reply subject.
      get fallbackId() {
        return `seq:${message.seq}`;
      },
    });
    if (!parsed.ok) return { message, rejection: parsed.rejection };
    return { message, item: { report: parsed.report, seq: message.seq } };
  }

  /** One lane's turn: commit its reports, then publish and settle them in the background. */
  private async work(batch: Parsed[]): Promise<void> {
    const pending: Pending[] = [];
    const invalid: Invalid[] = [];
    for (const p of batch) {
      if ('item' in p) pending.push(p);
      else invalid.push(p);
    }
    const now = this.clock().toISOString();
    const started = performance.now();
    let results: LaneResult[];
    try {
      results = await this.commit(pending, now);
      for (const { rejection } of invalid) {
        const recorded = await this.store.recordRejection(rejection, now);
        if (!recorded.duplicate) results.push({ kind: 'rejected', rejection, duplicate: false });
      }
    } catch (error) {
      const delayMs = backoffDelay(this.failures++, { maxMs: this.options.maxRetryDelayMs });
      this.log.warn({ err: error, delayMs }, 'commit failed; its reports come back');
      for (const { message } of batch) this.handBack(message, delayMs);
      this.failure = error;
      return;
    }
    this.failures = 0;
    this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    // Before the story's next turn: what was not decided must not look decided to the gate.
    const moved = new Set<string>();
    pending.forEach((p, i) => {
      const { message } = p;
      const result = results[i];
      if (result.kind === 'waiting') this.park(p);
      else if (result.kind === 'failed') this.handBack(message, retryDelay(message.deliveryCount));
      else {
        this.filing.passed(message.storyId, message.seq);
        moved.add(message.storyId);
      }
    });
    for (const storyId of moved) this.parked.release(storyId);
    this.failpoints.hit('after-commit');
    this.options.committed?.(
      results.flatMap((r) => (r.kind === 'accepted' && !r.duplicate ? [r.event] : [])),
    );

    // Publishing and acking overlap the next commits: the publishes are on the wire, in order,
    // before this returns; their acks are awaited in the background, a few batches deep.
    const settled = this.publish(results).then(
      () => {
        this.failpoints.hit('after-publish');
        pending.forEach(({ message, item }, i) => this.settle(message, item.report.id, results[i]));
        for (const { message } of invalid) message.term();
      },
      (error: unknown) => {
        // Committed but not announced: redelivery finds the outcomes and publishes again.
        this.log.warn({ err: error }, 'publishing a batch failed; its reports come back');
        for (const { message } of batch) message.nak(retryDelay(1));
      },
    );
    this.inflight.add(settled);
    void settled.finally(() => this.inflight.delete(settled));
    while (this.inflight.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(this.inflight);
  }

  /** One transaction for the batch; when it fails for a non-transient reason, one per report. */
  private async commit(pending: readonly Pending[], now: string): Promise<LaneResult[]> {
    if (pending.length === 0) return [];
    const items = pending.map((p) => p.item);
    try {
      return await this.store.commitBatch(items, now, this.policy);
    } catch (error) {
      if (isRetryableDatabaseError(error)) throw error;
      this.log.warn({ err: error }, 'batch commit failed; retrying its reports one by one');
    }
    const results: LaneResult[] = [];
    for (const item of items) {
      try {
        results.push(...(await this.store.commitBatch([item], now, this.policy)));
      } catch (error) {
        if (isRetryableDatabaseError(error)) throw error;
        this.log.error({ err: error, reportId: item.report.id }, 'report could not be committed');
        results.push({ kind: 'failed', error });
      }
    }
    return results;
  }

  private publish(results: readonly LaneResult[]): Promise<void> {
    const events: StoryEvent[] = [];
    for (const r of results) {
      if (r.kind === 'accepted') {
        events.push(r.event);
        if (!r.duplicate) this.metrics.accepted.inc();
      } else if (r.kind === 'rejected' && !r.duplicate) {
        this.metrics.rejected.inc({ code: r.rejection.code });
        this.publisher.publishRejection(r.rejection);
      }
    }
    // Re-publishing a duplicate's event is deliberate: the first worker may have crashed after
    // commit and before publish; `Nats-Msg-Id: <storyId>:<version>` dedups it downstream.
    return this.publisher.publishEvents(events);
  }

  /** Gives a report back undecided, to come again after `delayMs` (here or at another worker). */
  private handBack(message: InboundReport, delayMs: number): void {
    this.filing.released(message.seq);
    message.nak(delayMs);
  }

  private settle(message: InboundReport, reportId: string, result: LaneResult): void {
    if (result.kind === 'failed' || result.kind === 'waiting') {
      return; // handed back right after the commit
    } else if (result.kind === 'deferred') {
      this.metrics.deferred.inc();
      message.nak(this.deferral.deferred(reportId));
    } else {
      this.deferral.decided(reportId);
      message.ack();
    }
  }
}

interface Failed {
  readonly kind: 'failed';
  readonly error: unknown;
}
type LaneResult = BatchResult | Failed;
