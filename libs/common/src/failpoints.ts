/** Crash seams named in tests (issue 2): each kills the process when enabled by LIVEFEED_FAILPOINTS. */
export const FAILPOINTS = [
  'after-decide',
  'after-append',
  'after-commit',
  'after-publish',
] as const;
export type FailpointName = (typeof FAILPOINTS)[number];

/**
 * Off unless configured. An enabled point kills the process with SIGKILL the first time it is hit
 * after `armAfter` hits, so a test can crash "in the middle" deterministically.
 */
export class Failpoints {
  private hits = 0;
  constructor(
    private readonly enabled: ReadonlySet<string>,
    private readonly armAfter = 0,
  ) {}

  static none(): Failpoints {
    return new Failpoints(new Set());
  }

  /** Parses `name[,name…]` entries with an optional `@N` hit count: `after-append@300`. */
  static parse(entries: readonly string[]): Failpoints {
    let armAfter = 0;
    const names = new Set<string>();
    for (const entry of entries) {
      const [name, count] = entry.split('@');
      names.add(name);
      if (count !== undefined) armAfter = Number(count) || 0;
    }
    return new Failpoints(names, armAfter);
  }

  hit(name: FailpointName): void {
    if (!this.enabled.has(name)) return;
    this.hits += 1;
    if (this.hits > this.armAfter) process.kill(process.pid, 'SIGKILL');
  }
}
