import type { StoryEvent, StoryState } from '@livefeed/domain';
// Only the fold and types: the domain's index also carries zod schemas and sanitize-html, which must stay
// out of the browser bundle.
import { evolve } from '@livefeed/domain/story.evolve';
import type { SnapshotMessage, SubscribeAck, SubscribeRequest } from '@livefeed/protocol';
import type { SubscriptionHandlers, SubscriptionStatus } from './client.types';
import { LivefeedError } from './livefeed.error';

/** How many early events a story keeps; past that the gateway's catch-up brings them again. */
const MAX_EARLY_EVENTS = 1000;
/** Retries after an `unavailable` refusal start this soon and cap here. */
const UNAVAILABLE_RETRY_MIN_MS = 250;
const UNAVAILABLE_RETRY_MAX_MS = 10_000;

/** What a channel needs from the connection; it is only asked to send while connected. */
export interface ChannelPort {
  subscribe(request: SubscribeRequest, onAck: (result: SubscribeAck | Error) => void): void;
  unsubscribe(storyId: string): void;
}

/** One `subscribe` sent to the gateway and what came back for it. */
interface Attempt {
  readonly since: number | undefined;
  /** The version the ack said was latest; null while the ack is pending. */
  target: number | null;
  sawSnapshot: boolean;
}

/** One subscriber's handlers on a channel. */
export interface ChannelListener {
  readonly handlers: SubscriptionHandlers;
  active: boolean;
  /** Whether anything was delivered yet; the first delivery tells the current status. */
  notified: boolean;
}

/**
 * The client's copy of one story, kept in step with the gateway: it holds the last version, folds events in
 * version order, drops repeats, asks again from the held version on a gap, and replaces its state on a snapshot.
 * Shared by every subscription of the same story on one client.
 */
export class StoryChannel {
  state: StoryState | null;
  version: number;
  status: SubscriptionStatus = 'connecting';
  audience: number | null = null;
  private attempt: Attempt | null = null;
  /** Set when the held state cannot be trusted: the next subscribe asks for a snapshot. */
  private needsSnapshot = false;
  private closed = false;
  /** The gateway withdrew the story: nothing is asked any more, not even after a reconnection. */
  private withdrawn = false;
  /** The next subscribe after an `unavailable` refusal, and how many came in a row. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private readonly listeners = new Set<ChannelListener>();
  /** Events that arrived ahead of their turn, by version. */
  private readonly early = new Map<number, StoryEvent>();

  constructor(
    readonly storyId: string,
    private readonly port: ChannelPort,
    initialState?: StoryState,
  ) {
    this.state = initialState ?? null;
    this.version = initialState?.version ?? 0;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds a listener; it hears the current status (and state, if any) on the next microtask. */
  addListener(handlers: SubscriptionHandlers): ChannelListener {
    const listener: ChannelListener = { handlers, active: true, notified: false };
    this.listeners.add(listener);
    queueMicrotask(() => {
      if (!listener.active || listener.notified || this.closed) return;
      this.deliver(listener, (h) => h.onStatus?.(this.status));
      const state = this.state;
      if (state) this.deliver(listener, (h) => h.onState?.(state, null));
      const audience = this.audience;
      if (audience !== null) this.deliver(listener, (h) => h.onAudience?.(audience));
    });
    return listener;
  }

  removeListener(listener: ChannelListener): void {
    listener.active = false;
    this.listeners.delete(listener);
  }

  /** The socket is connected (first time or again): subscribe from the held version. */
  connected(): void {
    if (this.asks) this.resubscribe();
  }

  disconnected(): void {
    if (!this.asks) return;
    this.stopAsking();
    this.setStatus('offline');
  }

  /** The connection was refused for good. */
  connectFailed(error: Error): void {
    if (!this.asks) return;
    this.stopAsking();
    this.setStatus('error');
    this.reportError(new LivefeedError('connect-failed', error.message, this.storyId, error));
  }

  /**
   * The gateway stopped the subscription (the reader's token expired): so does the channel, for good, keeping
   * the state it holds. Asking again would only be refused, and again after every reconnection.
   */
  revoked(reason: string): void {
    if (!this.asks) return;
    this.withdrawn = true;
    this.stopAsking();
    this.setStatus('error');
    const message = `story ${this.storyId} was withdrawn from this connection (${String(reason)})`;
    this.reportError(new LivefeedError('revoked', message, this.storyId));
  }

  onSnapshot(message: SnapshotMessage): void {
    if (!this.asks || !Number.isInteger(message.version) || !message.story) return;
    this.state = message.story;
    this.version = message.version;
    this.needsSnapshot = false;
    if (this.attempt) this.attempt.sawSnapshot = true;
    const state = message.story;
    this.notify((h) => h.onState?.(state, null));
    this.drain();
    this.checkCaughtUp();
  }

  onEvent(event: StoryEvent): void {
    const attempt = this.attempt;
    if (this.closed || !attempt || !Number.isInteger(event.version)) return;
    // Until the snapshot comes, it decides what is new: keep everything for after it.
    if (this.awaitsSnapshot(attempt)) return this.hold(event);
    if (event.version <= this.version) return;
    if (event.version > this.version + 1) {
      this.hold(event);
      // While a subscribe is unanswered its catch-up is still coming; otherwise ask for what was skipped.
      if (attempt.target !== null) this.resubscribe();
      return;
    }
    if (this.apply(event)) this.drain();
    this.checkCaughtUp();
  }

  onAudience(count: number): void {
    if (!this.asks || typeof count !== 'number') return;
    this.audience = count;
    this.notify((h) => h.onAudience?.(count));
  }

  /** Stops for good; the caller tells the gateway. */
  close(): void {
    this.closed = true;
    this.stopAsking();
    for (const listener of this.listeners) listener.active = false;
    this.listeners.clear();
  }

  /** Folds one event in; on failure asks for a snapshot instead. */
  private apply(event: StoryEvent): boolean {
    let next: StoryState;
    try {
      next = evolve(this.state, event);
    } catch (error) {
      const message = `event ${event.version} does not fit the held state`;
      this.reportError(new LivefeedError('diverged', message, this.storyId, error));
      this.needsSnapshot = true;
      this.resubscribe();
      return false;
    }
    this.state = next;
    this.version = event.version;
    this.notify((h) => h.onEvent?.(event));
    this.notify((h) => h.onState?.(next, event));
    return !this.closed;
  }

  /**
   * Keeps an event that came early (before the snapshot, or past a gap) so that it is not lost when what
   * comes before it arrives; it is applied only in order.
   */
  private hold(event: StoryEvent): void {
    if (this.early.size < MAX_EARLY_EVENTS || this.early.has(event.version)) {
      this.early.set(event.version, event);
    }
  }

  /** Applies the held early events that now follow on. */
  private drain(): void {
    for (const version of this.early.keys())
      if (version <= this.version) this.early.delete(version);
    for (
      let next = this.early.get(this.version + 1);
      next;
      next = this.early.get(this.version + 1)
    ) {
      this.early.delete(next.version);
      if (!this.apply(next)) return;
    }
  }

  /** Whether the channel still follows the story (neither closed nor withdrawn). */
  private get asks(): boolean {
    return !this.closed && !this.withdrawn;
  }

  private stopAsking(): void {
    this.attempt = null;
    this.early.clear();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private resubscribe(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const since = this.needsSnapshot || this.version === 0 ? undefined : this.version;
    const attempt: Attempt = { since, target: null, sawSnapshot: false };
    this.attempt = attempt;
    this.setStatus('catching-up');
    this.port.subscribe(
      { storyId: this.storyId, ...(since === undefined ? {} : { since }) },
      (result) => this.onAck(attempt, result),
    );
  }

  private onAck(attempt: Attempt, result: SubscribeAck | Error): void {
    if (this.closed || this.attempt !== attempt) return;
    if (result instanceof Error) {
      this.reportError(new LivefeedError('timeout', result.message, this.storyId, result));
      this.resubscribe();
      return;
    }
    if (!result.ok) {
      this.attempt = null;
      const error = new LivefeedError(result.error.code, result.error.message, this.storyId);
      // A transient failure on the gateway's side: ask again later, still catching up.
      if (result.error.code === 'unavailable') this.retryLater();
      else this.setStatus('error');
      this.reportError(error);
      return;
    }
    this.retries = 0;
    attempt.target = result.version;
    this.checkCaughtUp();
  }

  private retryLater(): void {
    const delay = Math.min(
      UNAVAILABLE_RETRY_MAX_MS,
      UNAVAILABLE_RETRY_MIN_MS * 2 ** this.retries++,
    );
    // Jittered, so that the readers a failing instance refused do not all come back at once.
    this.retryTimer = setTimeout(() => this.resubscribe(), delay / 2 + (Math.random() * delay) / 2);
  }

  /**
   * A snapshot is due when the subscribe was fresh, or when the client held more than the gateway has
   * (it saw another history, e.g. before a restore).
   */
  private awaitsSnapshot(attempt: Attempt): boolean {
    if (attempt.sawSnapshot) return false;
    if (attempt.since === undefined) return attempt.target === null || attempt.target > 0;
    return attempt.target !== null && attempt.since > attempt.target;
  }

  private checkCaughtUp(): void {
    const attempt = this.attempt;
    if (!attempt || attempt.target === null || this.awaitsSnapshot(attempt)) return;
    if (this.version >= attempt.target) this.setStatus('live');
  }

  private setStatus(status: SubscriptionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.notify((h) => h.onStatus?.(status));
  }

  private reportError(error: LivefeedError): void {
    this.notify((h) => h.onError?.(error));
  }

  private notify(call: (handlers: SubscriptionHandlers) => void): void {
    for (const listener of [...this.listeners]) this.deliver(listener, call);
  }

  /** Calls one handler; a handler that throws must not break the stream nor the other listeners. */
  private deliver(listener: ChannelListener, call: (handlers: SubscriptionHandlers) => void): void {
    if (!listener.active) return;
    listener.notified = true;
    try {
      call(listener.handlers);
    } catch (error) {
      try {
        listener.handlers.onError?.(
          new LivefeedError(
            'handler-failed',
            error instanceof Error ? error.message : String(error),
            this.storyId,
            error,
          ),
        );
      } catch {
        // onError itself failed: nothing left to tell.
      }
    }
  }
}
