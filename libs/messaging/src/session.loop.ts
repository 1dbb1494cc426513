import type { NatsConnection } from '@nats-io/nats-core';
import { backoffDelay, InterruptibleSleep } from './backoff';
import { onConnectionStatus } from './nats.connection';

/** One pull session: resolves when it ends by itself, rejects with what ended it otherwise. */
export type Session = (ready: () => void) => Promise<void>;

/**
 * Keeps a JetStream pull session open until stopped, the part the report consumer and the event
 * feed share: a session that ends is opened again at once, one that fails after a capped, growing
 * delay (reported to `onError`), and a NATS reconnect ends the current session through `end`, since
 * pull requests and ordered consumers die with the server connection they were made on and a
 * fresh session resumes sooner than the client's own retry.
 */
export class SessionLoop {
  private readonly sleeper = new InterruptibleSleep();
  private loop?: Promise<void>;
  private stopped = false;
  private unwatchConnection?: () => void;

  /**
   * @param session opens one session and calls `ready` once it reads
   * @param end ends the session in progress, if any (on a reconnect, and on stop)
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly session: Session,
    private readonly end: () => Promise<unknown> | undefined,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True from `stop()` on: a session should end rather than read on. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Starts the loop; resolves once the first session reads (or the loop stopped trying). */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopped = false;
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    this.unwatchConnection = onConnectionStatus(this.nc, (status) => {
      if (status.type === 'reconnect') void this.end();
    });
    this.loop = this.run(ready).finally(ready);
    await started;
  }

  /** Ends the session in progress and the loop; `start()` may follow. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.stopped = true;
    this.unwatchConnection?.();
    this.sleeper.interrupt();
    await Promise.all([this.end(), loop]);
    this.loop = undefined;
  }

  private async run(ready: () => void): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        await this.session(() => {
          attempt = 0;
          ready();
        });
        continue;
      } catch (error) {
        if (this.stopped) break;
        this.onError(error);
      }
      await this.sleeper.sleep(backoffDelay(attempt++, { maxMs: 5_000 }));
    }
  }
}
