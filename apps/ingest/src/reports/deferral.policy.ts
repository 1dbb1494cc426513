import type { Rejection, RejectionCode } from '@livefeed/domain';
import type { IncomingReport } from '@livefeed/event-store';
import { backoffDelay } from '@livefeed/messaging';

/**
 * Attempts a report naming an entry (or story) that does not exist yet gets before `unknown-entry`
 * (`unknown-story`) stands. Filing order rules out that a crash or an outage makes a report overtake
 * one filed before it (docs/architecture.md), so this is only for a publisher that filed a report
 * ahead of the one it builds on, racing itself.
 */
export const UNKNOWN_ENTRY_ATTEMPTS = 5;
/** Rejections that may only mean "too early". */
const DEFERRABLE: ReadonlySet<RejectionCode> = new Set<RejectionCode>([
  'unknown-entry',
  'unknown-story',
]);
/** Reports whose deferrals this process remembers; past it the oldest are forgotten. */
const DEFERRALS_REMEMBERED = 100_000;
/** How soon a deferred report, or one whose commit failed for a bug, comes back: 200 ms doubling to 5 s. */
const RETRY = { initialMs: 200, maxMs: 5_000 } as const;

/**
 * The whole of ingest's policy for reports that may have come too early: which rejections the store
 * leaves unrecorded, how many times, and how long each waits. Deferrals are counted per report id in
 * the process, not by JetStream's delivery count, which naks for any other reason raise too.
 */
export class DeferralPolicy {
  private readonly deferrals = new Map<string, number>();

  /** For the store (CommitPolicy.defers): leave this rejection unrecorded, to try again later? */
  readonly defers = (item: IncomingReport, rejection: Rejection): boolean =>
    DEFERRABLE.has(rejection.code) &&
    (this.deferrals.get(item.report.id) ?? 0) < UNKNOWN_ENTRY_ATTEMPTS - 1;

  /** The report was deferred once more: how long until it comes back. */
  deferred(reportId: string): number {
    const attempts = (this.deferrals.get(reportId) ?? 0) + 1;
    this.deferrals.delete(reportId);
    this.deferrals.set(reportId, attempts);
    if (this.deferrals.size > DEFERRALS_REMEMBERED)
      this.deferrals.delete(this.deferrals.keys().next().value as string);
    return retryDelay(attempts);
  }

  /** Its outcome stands: forget it. */
  decided(reportId: string): void {
    this.deferrals.delete(reportId);
  }
}

/** The delay before the `attempt`-th try again (from 1). */
export function retryDelay(attempt: number): number {
  return backoffDelay(attempt - 1, RETRY);
}
