import type { SubscriptionStatus } from '@livefeed/client';

/** The values of `[data-status]` (docs/protocol.md, "Pages"). */
type Shown = 'connecting' | 'live' | 'catching-up' | 'offline';

const WORDS: Record<Shown, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  'catching-up': 'Catching up…',
  offline: 'Offline: reconnecting…',
};
/** How long "caught up" is said after coming back. */
const CAUGHT_UP_MS = 6000;

/**
 * The connection state a reader sees. The SDK's status, but `offline` at once when the browser says
 * it lost the network (the socket itself notices within the gateway's heartbeat, a few seconds),
 * and, after an outage, "caught up" once everything missed has arrived.
 */
export class ConnectionStatus {
  private sdk: SubscriptionStatus = 'connecting';
  private problem: string | null = null;
  private wasOffline = false;
  private caughtUpTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly element: HTMLElement | null,
    private readonly announce: (text: string) => void,
  ) {
    if (element) element.hidden = false;
    addEventListener('offline', () => this.render());
    addEventListener('online', () => this.render());
    this.render();
  }

  set(status: SubscriptionStatus): void {
    this.sdk = status;
    if (status !== 'error') this.problem = null;
    this.render();
  }

  /** The subscription was refused or withdrawn: says why. */
  fail(message: string): void {
    this.problem = message;
    this.render();
  }

  private shown(): Shown {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return 'offline';
    return this.sdk === 'error' ? 'offline' : this.sdk;
  }

  private render(): void {
    const shown = this.shown();
    if (!this.element) return;
    const before = this.element.dataset.status;
    let text = this.problem && this.sdk === 'error' ? this.problem : WORDS[shown];
    if (shown === 'offline') this.wasOffline = true;
    if (shown === 'live' && this.wasOffline) {
      this.wasOffline = false;
      text = 'Live: back online and caught up';
      this.element.dataset.caughtUp = 'true';
      this.announce('Back online: the page has caught up with every update.');
      clearTimeout(this.caughtUpTimer);
      this.caughtUpTimer = setTimeout(() => {
        if (this.element?.dataset.status === 'live') this.element.textContent = WORDS.live;
      }, CAUGHT_UP_MS);
    } else if (shown === 'live' && before === 'live') {
      return;
    }
    if (shown === 'offline' && before !== 'offline')
      this.announce('Connection lost: reconnecting.');
    this.element.dataset.status = shown;
    this.element.textContent = text;
  }
}
