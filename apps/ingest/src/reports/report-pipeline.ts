import { parseReportBytes, type Rejection, type StoryEvent } from '@livefeed/domain';
import type { BatchResult, EventStore, IncomingReport } from '@livefeed/event-store';
import { backoffDelay, type EventPublisher, type InboundReport } from '@livefeed/messaging';
import { Failpoints, isTransientError } from '@livefeed/common';
import type { Logger } from 'pino';
import type { IngestMetrics } from '../observability/ingest.metrics';
import { StoryScheduler } from './story-scheduler';

/**
 * Attempts a report naming an entry (or story) that does not exist yet gets before `unknown-entry`
 * (`unknown-story`) stands: it may have overtaken the report it builds on.
 */
export const UNKNOWN_ENTRY_ATTEMPTS = 5;
/** Reports whose deferrals this process remembers; past it the oldest are forgotten. */
const DEFERRALS_REMEMBERED = 100_000;
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 5_000;
/** The fewest reports a transaction takes from a backlog shared among the lanes. */
const MIN_SHARE = 50;
/** Committed batches, across all lanes, whose publishes may still await their acks. */
const MAX_BATCHES_IN_FLIGHT = 8;

export function retryDelayMs(deliveryCount: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, deliveryCount - 1));
}

export interface PipelineOptions {
  /** Transactions that may run at once, each over its own set of stories. */
  readonly lanes: number;
  /**
   * The longest a report waits to come back after a transient failure (the consumer's own cap:
   * a third of ack_wait, at most 10 s). The reports of a failed transaction return in whatever
   * order their delays end, so this must stay short next to the few seconds a report that
   * overtook its story or entry is deferred for.
   */
  readonly maxRetryDelayMs: number;
  /** The most reports one transaction takes. */
  readonly batchSize: number;
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
      },
      (batch) => this.work(batch),
      (error) => this.log.error({ err: error }, 'committing reports failed unexpectedly'),
    );
  }

  /**
   * Deferrals per report id. JetStream's delivery count cannot serve: naks during an outage raise
   * it too, and an outage must not use up a report's chance to find its entry.
   */
  private readonly deferrals = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  /** Consecutive transient failures, for the delay of the naks. */
  private failures = 0;
  /** A transient failure the consumer has not been told of yet. */
  private failure?: unknown;
  /**
   * Until then deferrals use up no attempts: the reports of failed commits come back in whatever
   * order their nak delays end (up to `maxRetryDelayMs` apart), so after an outage a report may
   * overtake the one it builds on by that long, longer than its attempts would last.
   */
  private graceUntil = 0;

  /** Parses a batch and queues it for the lanes; resolves once they can take more. */
  async handle(messages: readonly InboundReport[]): Promise<void> {
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    this.metrics.received.inc(messages.length);
    this.metrics.batchSize.observe(messages.length);
    await this.scheduler.push(
      messages.map((message) => ({ key: message.storyId, item: this.parse(message) })),
    );
  }

  /** Waits until every report handed over so far is committed, published and settled (shutdown). */
  async drain(): Promise<void> {
    await this.scheduler.drain();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
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
    const deferUnknownEntry =
      (this.deferrals.get(parsed.report.id) ?? 0) < UNKNOWN_ENTRY_ATTEMPTS - 1;
    return { message, item: { report: parsed.report, deferUnknownEntry } };
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
    let results: Outcome[];
    try {
      results = await this.commit(pending, now);
      for (const { rejection } of invalid) {
        const recorded = await this.store.recordRejection(rejection, now);
        if (!recorded.duplicate) results.push({ kind: 'rejected', rejection, duplicate: false });
      }
    } catch (error) {
      const delayMs = backoffDelay(this.failures++, { maxMs: this.options.maxRetryDelayMs });
      this.graceUntil = this.clock().getTime() + 2 * this.options.maxRetryDelayMs;
      this.log.warn({ err: error, delayMs }, 'commit failed; its reports come back');
      for (const { message } of batch) message.nak(delayMs);
      this.failure = error;
      return;
    }
    this.failures = 0;
    this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    this.failpoints.hit('after-commit');

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
        for (const { message } of batch) message.nak(RETRY_BASE_MS);
      },
    );
    this.inflight.add(settled);
    void settled.finally(() => this.inflight.delete(settled));
    while (this.inflight.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(this.inflight);
  }

  /** One transaction for the batch; when it fails for a non-transient reason, one per report. */
  private async commit(pending: readonly Pending[], now: string): Promise<Outcome[]> {
    if (pending.length === 0) return [];
    const items = pending.map((p) => p.item);
    try {
      return await this.store.commitBatch(items, now);
    } catch (error) {
      if (isTransientError(error)) throw error;
      this.log.warn({ err: error }, 'batch commit failed; retrying its reports one by one');
    }
    const results: Outcome[] = [];
    for (const item of items) {
      try {
        results.push(...(await this.store.commitBatch([item], now)));
      } catch (error) {
        if (isTransientError(error)) throw error;
        this.log.error({ err: error, reportId: item.report.id }, 'report could not be committed');
        results.push({ kind: 'failed', error });
      }
    }
    return results;
  }

  private publish(results: readonly Outcome[]): Promise<void> {
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

  private settle(message: InboundReport, reportId: string, result: Outcome | undefined): void {
    if (result === undefined || result.kind === 'failed') {
      message.nak(retryDelayMs(message.deliveryCount));
    } else if (result.kind === 'deferred') {
      this.metrics.deferred.inc();
      const counted = this.clock().getTime() >= this.graceUntil;
      const attempts = (this.deferrals.get(reportId) ?? 0) + (counted ? 1 : 0);
      this.deferrals.delete(reportId);
      this.deferrals.set(reportId, attempts);
      if (this.deferrals.size > DEFERRALS_REMEMBERED) {
        this.deferrals.delete(this.deferrals.keys().next().value as string);
      }
      message.nak(retryDelayMs(Math.max(1, attempts)));
    } else {
      this.deferrals.delete(reportId);
      message.ack();
    }
  }
}

interface Failed {
  readonly kind: 'failed';
  readonly error: unknown;
}
type Outcome = BatchResult | Failed;
