/**
 * At most one run of an async job at a time: callers that arrive while it runs share its promise,
 * so a reconnect storm asking for the same story costs one database read, not one per client.
 */
export class SingleFlight<T> {
  private current: Promise<T> | null = null;

  get inFlight(): boolean {
    return this.current !== null;
  }

  run(job: () => Promise<T>): Promise<T> {
    if (this.current) return this.current;
    const started = (async () => {
      try {
        return await job();
      } finally {
        this.current = null;
      }
    })();
    this.current = started;
    return started;
  }
}
