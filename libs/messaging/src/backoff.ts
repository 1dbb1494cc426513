/** A capped, doubling delay: `initialMs`, 2×, 4× … up to `maxMs` (attempt counts from 0). */
export function backoffDelay(
  attempt: number,
  { initialMs = 250, maxMs = 10_000 }: BackoffPolicy = {},
): number {
  // The exponent is bounded so that a long outage cannot overflow to Infinity before the cap applies.
  return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
}

export interface BackoffPolicy {
  readonly initialMs?: number;
  readonly maxMs?: number;
}

/**
 * A sleep that `stop()` can cut short: a runner that is told to stop must not sit out a
 * 10-second backoff first.
 */
export class InterruptibleSleep {
  private wake?: () => void;
  private timer?: NodeJS.Timeout;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  interrupt(): void {
    clearTimeout(this.timer);
    this.wake?.();
  }
}

/** A level-triggered wake-up between a producer and a consumer living in the same event loop. */
export class Signal {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next `notify()`, or after `timeoutMs` when given. */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        }, timeoutMs);
      }
    });
  }
}
