/** Waits `ms` (at most), or less when `signal` aborts or `wake` is called first. */
export function abortableSleep(ms: number, signal: AbortSignal, wake?: Wakeup): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      wake?.off(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    wake?.on(done);
  });
}

/** Cuts a sleep short when something worth looking at has happened (a NATS message). */
export class Wakeup {
  private readonly sleepers = new Set<() => void>();

  on(sleeper: () => void): void {
    this.sleepers.add(sleeper);
  }

  off(sleeper: () => void): void {
    this.sleepers.delete(sleeper);
  }

  poke(): void {
    for (const sleeper of [...this.sleepers]) sleeper();
  }
}
