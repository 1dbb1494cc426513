import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import { backoffDelay, InterruptibleSleep, Signal, type BackoffPolicy } from './backoff';
import { SessionLoop } from './session.loop';
import { JetStreamInboundReport, type InboundReport } from './inbound.report';
import { asError, hasJsErrorCode, JsErrorCode } from './jetstream.errors';
import { HeldReports } from './held-reports.keeper';

/** Decides a batch: settles each report with ack/nak/term. Throwing means "transient failure, retry all". */
export type ReportBatchHandler = (reports: InboundReport[]) => Promise<void>;

export interface ReportConsumerOptions {
  /** Durable consumer name, shared by every worker process (`ingest`). */
  readonly durable?: string;
  /** Most reports handed to one handler call. */
  readonly batchSize: number;
  /** How long a partial batch waits for more reports before it is handed over (0: at once). */
  readonly maxWaitMs: number;
  /**
   * The server redelivers a report not settled within this time (5 s). What this worker holds is kept
   * alive with `working()` meanwhile, so this bounds only how long a dead worker's reports stay away.
   */
  readonly ackWaitMs?: number;
  /** Reports delivered but not yet settled, across all workers (10 × batchSize, at least 1,000). */
  readonly maxAckPending?: number;
  /** Delay after a handler failure: doubles from `initialMs` (250) to `maxMs` (10 s). */
  readonly retry?: BackoffPolicy;
  readonly handler: ReportBatchHandler;
  /**
   * The handler may return before it has settled every report (it acks once a background step,
   * such as publishing, is done); unsettled reports are then left to it rather than nak'd.
   */
  readonly settlesLater?: boolean;
  /** Failures the runner survives (handler errors, lost consumer, NATS trouble), for logs and metrics. */
  readonly onError?: (error: Error, context: string) => void;
}

/** A dead worker's reports come back after this long (ReportConsumerOptions.ackWaitMs). */
export const DEFAULT_ACK_WAIT_MS = 5_000;

/** Notifications worth a log line; the rest (`next`, `heartbeat`, `discard`, …) are routine. */
const NOTABLE_STATUS = new Set([
  'heartbeats_missed',
  'consumer_deleted',
  'consumer_not_found',
  'stream_not_found',
  'no_responders',
  'exceeded_limits',
]);

/**
 * The JetStream side of ingest, knowing nothing of the domain: a durable pull consumer on the
 * reports stream, read in bounded batches, each awaited through the handler. Reports the handler
 * leaves unsettled are nak'd. A handler that throws gets the whole batch nak'd with a capped,
 * growing delay, and reading pauses for that delay. A lost consumer, a deleted stream or a NATS
 * restart ends the pull session; the runner recreates what is missing and reads on.
 *
 * Throughput comes from `consume()`: the client keeps pull requests outstanding while the handler
 * works, so the next batch is already local when the handler returns; a local buffer of one batch
 * bounds how far ahead it reads (the iterator issues the next pull only as it is drained).
 */
export class ReportConsumer {
  private readonly js: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly durable: string;
  private readonly ackWaitMs: number;
  private readonly maxAckPending: number;
  /** The pause after a handler failure, cut short by a stop. */
  private readonly pause = new InterruptibleSleep();
  private readonly sessions: SessionLoop;
  /** Wakes the batcher when reports arrive or the session ends. */
  private readonly arrived = new Signal();
  /** Wakes the reader when the batcher made room. */
  private readonly drained = new Signal();
  private buffer: JetStreamInboundReport[] = [];
  /** Every report delivered and not yet settled, buffered or in the handler's hands. */
  private readonly held: HeldReports;
  private messages?: ConsumerMessages;
  private failures = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly options: ReportConsumerOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new RangeError('batchSize must be a positive integer');
    this.js = jetstream(nc);
    this.durable = options.durable ?? 'ingest';
    this.ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    this.held = new HeldReports(Math.max(100, Math.floor(this.ackWaitMs / 4)));
    this.maxAckPending = options.maxAckPending ?? Math.max(1000, options.batchSize * 10);
    this.sessions = new SessionLoop(
      nc,
      (ready) => this.pull(ready),
      () => this.endSession(),
      (error) => this.report(error, 'consume'),
    );
  }

  /**
   * Creates or updates the durable consumer and starts reading; resolves once reading has begun.
   * Until then it keeps retrying (each failure goes to `onError`), so call `ensureStreams` first.
   */
  start(): Promise<void> {
    return this.sessions.start();
  }

  /** Stops pulling, lets the batch in the handler finish, hands buffered reports back (nak), resolves. */
  stop(): Promise<void> {
    return this.sessions.stop();
  }

  /**
   * The longest this consumer pauses, and hands a batch back for, after a handler failure: the retry
   * policy's cap, at most a third of ack_wait so that buffered reports are not redelivered meanwhile.
   * A handler that hands reports back itself should keep within it too.
   */
  get retryCapMs(): number {
    return Math.min(this.options.retry?.maxMs ?? 10_000, this.ackWaitMs / 3);
  }

  /** Reports not yet delivered plus those delivered and not yet settled, for metrics. */
  async pending(): Promise<number> {
    const info = await (
      await this.manager()
    ).consumers.info(this.subjects.reportsStream, this.durable);
    return info.num_pending + info.num_ack_pending;
  }

  private get stopping(): boolean {
    return this.sessions.stopping;
  }

  /** Ends the pull session in progress: on a reconnect, and on stop (which also cuts any pause). */
  private endSession(): Promise<unknown> | undefined {
    if (this.stopping) this.pause.interrupt();
    this.arrived.notify();
    this.drained.notify();
    return this.messages?.close();
  }

  /** One pull session on the durable consumer, until it ends. */
  private async pull(ready: () => void): Promise<void> {
    const consumer = this.js.consumers.getConsumerFromInfo(await this.ensureConsumer());
    // Without abort_on_missing_resource a deleted consumer is retried forever and never recreated.
    const messages = await consumer.consume({
      max_messages: this.options.batchSize,
      abort_on_missing_resource: true,
    });
    this.messages = messages;
    if (this.stopping) {
      await messages.close();
      return;
    }
    ready();
    void this.watch(messages);
    await this.session(messages);
  }

  /**
   * One pull session: a reader moves messages from the iterator into the buffer, a batcher hands
   * them to the handler. Ends when the iterator does (closed or failed); rethrows its failure.
   */
  private async session(messages: ConsumerMessages): Promise<void> {
    const state: { ended: boolean; error?: unknown } = { ended: false };
    const reader = (async () => {
      try {
        for await (const msg of messages) {
          // After stop() the iterator still yields what was already on the wire: hand it straight back.
          if (this.stopping) {
            msg.nak();
            continue;
          }
          const report = new JetStreamInboundReport(msg, this.held.release);
          this.held.hold(report);
          this.buffer.push(report);
          this.arrived.notify();
          while (this.buffer.length >= this.options.batchSize && !this.stopping)
            await this.drained.wait();
        }
      } catch (error) {
        state.error = error;
      } finally {
        state.ended = true;
        this.arrived.notify();
      }
    })();
    await this.batches(state);
    await reader;
    if (state.error !== undefined && !this.stopping) throw state.error;
  }

  private async batches(state: { ended: boolean }): Promise<void> {
    const { batchSize, maxWaitMs } = this.options;
    for (;;) {
      if (this.stopping) break;
      if (this.buffer.length === 0) {
        if (state.ended) break;
        await this.arrived.wait();
        continue;
      }
      if (this.buffer.length < batchSize && maxWaitMs > 0 && !state.ended) {
        const deadline = Date.now() + maxWaitMs;
        while (
          this.buffer.length < batchSize &&
          !state.ended &&
          !this.stopping &&
          Date.now() < deadline
        ) {
          await this.arrived.wait(deadline - Date.now());
        }
      }
      const batch = this.buffer.splice(0, batchSize);
      this.drained.notify();
      const delayMs = await this.handle(batch);
      // Pausing here also pauses pulling: the reader stops at a full buffer.
      if (delayMs > 0 && !this.stopping) await this.pause.sleep(delayMs);
    }
    // Only a stop leaves reports here: they go back at once for another worker, not after ack_wait.
    for (const report of this.buffer.splice(0)) report.nak();
    this.drained.notify();
  }

  /** Runs the handler on one batch; returns how long to pause before the next (0 after success). */
  private async handle(reports: JetStreamInboundReport[]): Promise<number> {
    try {
      await this.options.handler(reports);
      this.failures = 0;
      if (!this.options.settlesLater)
        for (const report of reports) if (!report.settled) report.nak();
      return 0;
    } catch (error) {
      // A transient failure (the database is down): retry the batch after a growing delay, which
      // must stay well inside ack_wait or the buffered reports would be redelivered meanwhile.
      const delayMs = backoffDelay(this.failures++, {
        ...this.options.retry,
        maxMs: this.retryCapMs,
      });
      for (const report of reports) if (!report.settled) report.nak(delayMs);
      this.report(error, 'handler');
      return delayMs;
    }
  }

  private async ensureConsumer(): Promise<ConsumerInfo> {
    const jsm = await this.manager();
    const config: Partial<ConsumerConfig> = {
      durable_name: this.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.subjects.reportsAll,
      // Unlimited: an outage longer than ack_wait × max_deliver must never drop a report.
      max_deliver: -1,
      ack_wait: nanos(this.ackWaitMs),
      max_ack_pending: this.maxAckPending,
    };
    try {
      // Creating with an identical config is idempotent, so concurrent workers both succeed.
      return await jsm.consumers.add(this.subjects.reportsStream, config);
    } catch (error) {
      // Servers from 2.10 refuse a create that would change an existing consumer: update instead.
      if (!hasJsErrorCode(error, JsErrorCode.ConsumerAlreadyExists, JsErrorCode.ConsumerNameInUse))
        throw error;
      const { max_deliver, ack_wait, max_ack_pending } = config;
      return jsm.consumers.update(this.subjects.reportsStream, this.durable, {
        max_deliver,
        ack_wait,
        max_ack_pending,
      });
    }
  }

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.nc);
    return this.jsm;
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (NOTABLE_STATUS.has(status.type))
        this.report(new Error(`consumer status: ${JSON.stringify(status)}`), 'status');
    }
  }

  private report(error: unknown, context: string): void {
    this.options.onError?.(asError(error), context);
  }
}
