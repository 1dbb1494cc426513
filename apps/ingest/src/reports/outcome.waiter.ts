import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import type { EventStore, ReportOutcome } from '@livefeed/event-store';
import type { RejectionCode } from '@livefeed/domain';

const SAFETY_POLL_MS = 500;

/**
 * Lets `POST …/reports?wait=` answer with the outcome. Outcomes are heard on the events and
 * rejections subjects (whichever ingest process decided them), with a slow poll of the recorded
 * outcomes as a safety net for a message this process missed.
 */
export class OutcomeWaiter {
  private readonly waiters = new Map<string, Set<(o: ReportOutcome) => void>>();
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly store: EventStore,
  ) {}

  start(): void {
    for (const subject of [
      `${this.subjects.root}.events.*`,
      `${this.subjects.root}.rejections.*`,
    ]) {
      this.subscriptions.push(
        this.nc.subscribe(subject, {
          callback: (err, msg) => {
            // Most traffic has nobody waiting: skip decoding it at all.
            if (err || this.waiters.size === 0) return;
            try {
              this.heard(msg.json<Record<string, unknown>>());
            } catch {
              // Not ours to judge: the outcome poll still answers the waiter.
            }
          },
        }),
      );
    }
  }

  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions.length = 0;
  }

  /** Resolves with the outcome, or null when `timeoutMs` passes first. */
  async wait(reportId: string, timeoutMs: number): Promise<ReportOutcome | null> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: ReportOutcome | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        const set = this.waiters.get(reportId);
        set?.delete(finish);
        if (set?.size === 0) this.waiters.delete(reportId);
        resolve(o);
      };
      const check = () =>
        this.store.getOutcome(reportId).then(
          (o) => o && finish(o),
          () => undefined,
        );
      const timer = setTimeout(() => finish(null), timeoutMs);
      const poll = setInterval(check, SAFETY_POLL_MS);
      const set = this.waiters.get(reportId) ?? new Set();
      set.add(finish);
      this.waiters.set(reportId, set);
      void check();
    });
  }

  private heard(m: Record<string, unknown>): void {
    if (typeof m.reportId !== 'string') return;
    const set = this.waiters.get(m.reportId);
    if (!set) return;
    const outcome: ReportOutcome =
      typeof m.version === 'number'
        ? {
            reportId: m.reportId,
            status: 'accepted',
            storyId: String(m.storyId),
            version: m.version,
          }
        : {
            reportId: m.reportId,
            status: 'rejected',
            storyId: String(m.storyId),
            code: String(m.code) as RejectionCode,
            message: String(m.message),
          };
    for (const finish of [...set]) finish(outcome);
  }
}
