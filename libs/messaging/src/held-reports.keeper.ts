import type { JetStreamInboundReport } from './inbound.report';

/**
 * The reports a worker holds (delivered, not yet settled), kept alive with `working()` so that the
 * consumer's ack wait can be short: a live worker never loses what it holds however long a commit
 * takes, while what a dead worker held comes back to the others within one ack wait.
 */
export class HeldReports {
  /** Each held report with when the server last heard of it, oldest first. */
  private readonly held = new Map<JetStreamInboundReport, number>();
  private timer?: NodeJS.Timeout;

  /** @param refreshMs how often, and past what age, a held report is reported as still in work */
  constructor(private readonly refreshMs: number) {}

  /** Call with each delivered report; it leaves when it is settled (pass `release` as its callback). */
  hold(report: JetStreamInboundReport, now = Date.now()): void {
    this.held.set(report, now);
    this.timer ??= setInterval(() => this.refresh(), this.refreshMs).unref();
  }

  readonly release = (report: JetStreamInboundReport): void => {
    this.held.delete(report);
  };

  get size(): number {
    return this.held.size;
  }

  /** Sends `working()` for every report held longer than `refreshMs`, and restarts their clocks. */
  refresh(now = Date.now()): void {
    const due: JetStreamInboundReport[] = [];
    for (const [report, since] of this.held) {
      if (now - since < this.refreshMs) break;
      due.push(report);
    }
    for (const report of due) {
      try {
        report.working();
      } catch {
        // The connection is closing: nothing can be kept alive any more, and nothing needs to be.
      }
      this.held.delete(report);
      this.held.set(report, now);
    }
    if (this.held.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
