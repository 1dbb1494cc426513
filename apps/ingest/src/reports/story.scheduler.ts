/**
 * Runs work for many stories concurrently while keeping each story's items strictly in order.
 *
 * Items wait in one queue in arrival order. Whenever a worker is free it takes the oldest items whose
 * stories no running call holds, in order, and skips every later item of a story it had to pass
 * over, so two items of one story are never worked on at once nor out of order. A backlog is shared
 * out among the free workers, so the database round trips of one transaction overlap the work of the
 * others; but while any call runs, a further one starts only with at least `minBatch` items. A
 * trickle thus goes in one call as soon as it comes when nothing runs, and otherwise gathers behind
 * the running call (group commit) instead of being split into many small concurrent transactions.
 *
 * With `lingerMs`, a trickle does not go alone either: with nothing running, fewer than `minBatch`
 * items start once the oldest of them has waited that long. At a few thousand reports a second that
 * turns transactions of a handful of reports into ones of dozens, for a few milliseconds each report.
 */
export class StoryScheduler<T> {
  private queue: Array<{ readonly key: string; readonly item: T }> = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private waiters: Array<() => void> = [];
  /** When the oldest item waiting began to wait (`performance.now()`), for the linger. */
  private waitingSince = 0;
  private lingering?: NodeJS.Timeout;

  /**
   * @param concurrency the most `work` calls running at once
   * @param limits `maxBatch` items at most per call; `minBatch` at least while another call runs;
   *   `push` waits while more than `maxQueued` items wait for a worker
   * @param work settles its items itself, whatever happens
   * @param onError receives what `work` throws anyway (a bug: its items stay unsettled until redelivered)
   */
  constructor(
    private readonly concurrency: number,
    private readonly limits: {
      readonly maxBatch: number;
      readonly minBatch: number;
      readonly maxQueued: number;
      /** With nothing running, how long fewer than `minBatch` items wait for company (0: not at all). */
      readonly lingerMs?: number;
    },
    private readonly work: (items: T[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be a positive integer');
    if (!Number.isInteger(limits.maxBatch) || limits.maxBatch < 1)
      throw new RangeError('maxBatch must be a positive integer');
  }

  /** Queues the items in order; resolves once there is room for more. */
  async push(items: ReadonlyArray<{ readonly key: string; readonly item: T }>): Promise<void> {
    if (this.queue.length === 0 && items.length > 0) this.waitingSince = performance.now();
    for (const entry of items) this.queue.push(entry);
    this.pump();
    while (this.queue.length > this.limits.maxQueued)
      await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Resolves once every item pushed so far has been through `work`. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running > 0)
      await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Items waiting for a worker (not counting those being worked on). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.lingers()) return;
    while (
      this.running < this.concurrency &&
      this.queue.length > 0 &&
      (this.running === 0 || this.queue.length >= this.limits.minBatch)
    ) {
      const free = this.concurrency - this.running;
      const share = Math.min(
        this.limits.maxBatch,
        Math.max(this.limits.minBatch, Math.ceil(this.queue.length / free)),
      );
      const taken: T[] = [];
      const keys = new Set<string>();
      const passed = new Set<string>();
      const rest: Array<{ readonly key: string; readonly item: T }> = [];
      for (const entry of this.queue) {
        if (taken.length < share && !this.busy.has(entry.key) && !passed.has(entry.key)) {
          taken.push(entry.item);
          keys.add(entry.key);
        } else {
          rest.push(entry);
          passed.add(entry.key);
        }
      }
      // While others work, a few items wait to join a fuller call: many small transactions at once
      // cost more than they save. With nobody working they go at once.
      if (taken.length === 0 || (this.running > 0 && taken.length < this.limits.minBatch)) return;
      // What stays behind waits from now: its stories were busy, not forgotten.
      if (rest.length > 0) this.waitingSince = performance.now();
      this.queue = rest;
      for (const key of keys) this.busy.add(key);
      this.running += 1;
      this.wake();
      void this.work(taken)
        .catch(this.onError)
        .finally(() => {
          for (const key of keys) this.busy.delete(key);
          this.running -= 1;
          this.pump();
          this.wake();
        });
    }
  }

  /** True when a trickle is to wait for company; the timer then pumps when its time is up. */
  private lingers(): boolean {
    const lingerMs = this.limits.lingerMs ?? 0;
    if (this.lingering !== undefined) {
      clearTimeout(this.lingering);
      this.lingering = undefined;
    }
    if (lingerMs <= 0 || this.running > 0 || this.queue.length >= this.limits.minBatch) return false;
    if (this.queue.length === 0) return true;
    const left = this.waitingSince + lingerMs - performance.now();
    if (left <= 0) return false;
    this.lingering = setTimeout(() => {
      this.lingering = undefined;
      this.pump();
    }, left);
    return true;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
