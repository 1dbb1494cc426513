import type { EventStore, ReportOutcome } from '@livefeed/event-store';
import { abortableSleep } from '../infra/sleep';

const POLL_MS = 200;
/** Ids per query: `= ANY` over a few thousand keys is one quick index scan. */
const CHUNK = 5_000;

/**
 * Learns the outcomes of filed reports from where they are recorded, PostgreSQL's report
 * outcomes: there a duplicate id's first outcome stands, including for a re-publish that JetStream
 * dropped as a duplicate and ingest never saw. Polls in batches while anything is pending.
 */
export class OutcomeTracker {
  private readonly pending = new Set<string>();
  private readonly decided = new Map<string, ReportOutcome>();
  /** Lines per report id: a file may name an id twice, and each line counts. */
  private readonly lines = new Map<string, number>();
  private decidedLineCount = 0;
  /** The last failure to read outcomes, told to the user if outcomes stay pending. */
  lastError?: unknown;

  constructor(
    private readonly store: Pick<EventStore, 'getOutcomes'>,
    private readonly pollMs = POLL_MS,
  ) {}

  /** A line filed with this report id, whose outcome is to be learnt. */
  expect(reportId: string): void {
    this.lines.set(reportId, (this.lines.get(reportId) ?? 0) + 1);
    if (this.decided.has(reportId)) this.decidedLineCount += 1;
    else this.pending.add(reportId);
  }

  outcome(reportId: string): ReportOutcome | undefined {
    return this.decided.get(reportId);
  }

  /** Lines whose report has an outcome. */
  get decidedLines(): number {
    return this.decidedLineCount;
  }

  get pendingIds(): number {
    return this.pending.size;
  }

  /**
   * Polls until `filed()` says no more ids will come and none is pending, or until the time of
   * `deadline()` (which may move) has passed or `signal` aborts; `onChange` hears each new count.
   */
  async settle(options: {
    readonly filed: () => boolean;
    readonly deadline: () => number;
    readonly signal: AbortSignal;
    readonly onChange: (decidedLines: number) => void;
  }): Promise<void> {
    for (;;) {
      const before = this.decidedLineCount;
      await this.pollOnce();
      if (this.decidedLineCount !== before) options.onChange(this.decidedLineCount);
      if (options.filed() && this.pending.size === 0) return;
      if (options.signal.aborted || Date.now() >= options.deadline()) return;
      await abortableSleep(Math.min(this.pollMs, options.deadline() - Date.now()), options.signal);
    }
  }

  /** One round of queries for every pending id. */
  async pollOnce(): Promise<void> {
    const ids = [...this.pending];
    for (let i = 0; i < ids.length; i += CHUNK) {
      let found: Map<string, ReportOutcome>;
      try {
        found = await this.store.getOutcomes(ids.slice(i, i + CHUNK));
      } catch (error) {
        this.lastError = error;
        return;
      }
      this.lastError = undefined;
      for (const [id, outcome] of found) {
        if (!this.pending.delete(id)) continue;
        this.decided.set(id, outcome);
        this.decidedLineCount += this.lines.get(id) ?? 0;
      }
    }
  }
}
