import type {
  AudienceMessage,
  ClientToServerEvents,
  EventMessage,
  ReconnectMessage,
  RevokedMessage,
  ServerToClientEvents,
  SnapshotMessage,
  SubscribeAck,
  SubscribeRequest,
} from '@livefeed/protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { LivefeedClientOptions } from './client.types';

/** The client's socket, typed by the protocol. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * WebSocket first, so that one TCP connection carries the whole session and any instance behind a
 * load balancer without sticky sessions can serve it; HTTP long-polling (which needs every request
 * of a session to reach the same instance) only where WebSockets cannot get through.
 */
export const DEFAULT_IO_OPTIONS: Readonly<Partial<ManagerOptions & SocketOptions>> = {
  transports: ['websocket', 'polling'],
  tryAllTransports: true,
};

/**
 * While moving off an instance that asked for it, reconnection retries come this soon (with
 * socket.io's jitter), without doubling: about half of them reach the leaving instance again through
 * the balancer and are refused at once, and the unluckiest of 2,000 readers needs some 11 attempts.
 */
const MOVE_RETRY_MS = 100;
/** After this many quick retries the configured delays apply again (every instance may be down). */
const MOVE_QUICK_ATTEMPTS = 10;
/**
 * Ways a connection ends without a word from the gateway: the instance died, or the path to it. The
 * next attempts go through the load balancer again, which may hand them to the dead instance as
 * long as it has no health check; each such attempt fails at once, so the retries keep the first
 * delay instead of doubling it (1 s, 2 s, 4 s, 5 s …): of 1,000 readers of a killed instance behind
 * a round-robin balancer, the unluckiest needs about 11 attempts, some 40 s with doubling delays.
 */
const LOST_WITHOUT_A_WORD: ReadonlySet<string> = new Set([
  'transport close',
  'transport error',
  'ping timeout',
]);
/** A `reconnect` hint asking to wait longer than this is waited this long. */
const MAX_HINT_DELAY_MS = 60_000;

/** What the connection reports to the client. */
export interface ConnectionListener {
  connected(): void;
  disconnected(): void;
  /** The gateway refused the connection for good (its handshake middleware said no). */
  connectFailed(error: Error): void;
  snapshot(message: SnapshotMessage): void;
  event(event: EventMessage): void;
  audience(message: AudienceMessage): void;
  revoked(message: RevokedMessage): void;
}

/**
 * The socket under a client: sends the protocol's requests, hands on what the gateway pushes (checked
 * for the fields the client relies on), and reconnects where socket.io alone would not, or not soon
 * enough: after the server closed the socket, and at once when an instance asks its readers to move.
 */
export class GatewayConnection {
  private readonly socket: ClientSocket;
  /** Whether the socket was created here (else it was injected, and is left connected on close). */
  readonly owned: boolean;
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The configured reconnection delays, while quicker ones are in force for a move. */
  private configuredDelays: { min: number; max: number } | null = null;
  private closed = false;

  constructor(
    options: LivefeedClientOptions,
    private readonly listener: ConnectionListener,
    private readonly ackTimeoutMs: number,
  ) {
    this.owned = options.socket === undefined;
    this.socket = (options.socket as ClientSocket | undefined) ?? createSocket(options);
    if (options.socket && options.token !== undefined) this.socket.auth = authOf(options.token);
    this.backoff = new Backoff(options.ioOptions);
    this.socket.on('connect', this.onConnect);
    this.socket.on('disconnect', this.onDisconnect);
    this.socket.on('connect_error', this.onConnectError);
    this.socket.on('snapshot', this.onSnapshot);
    this.socket.on('event', this.onEvent);
    this.socket.on('audience', this.onAudience);
    this.socket.on('revoked', this.onRevoked);
    this.socket.on('reconnect', this.onReconnectHint);
    this.socket.io.on('reconnect_attempt', this.onReconnectAttempt);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends `subscribe`; `onAck` gets the acknowledgement, or an error when none came in time. */
  subscribe(request: SubscribeRequest, onAck: (result: SubscribeAck | Error) => void): void {
    // socket.io would buffer it and send it on connect, where every channel subscribes anyway.
    if (!this.socket.connected) return;
    this.socket.timeout(this.ackTimeoutMs).emit('subscribe', request, (error, ack) => {
      onAck(error ?? (isAck(ack) ? ack : new Error('malformed subscribe acknowledgement')));
    });
  }

  unsubscribe(storyId: string): void {
    // Unacknowledged on purpose: nothing waits on it, and the server forgets subscriptions on disconnect.
    if (this.socket.connected) this.socket.emit('unsubscribe', { storyId }, () => undefined);
  }

  /** Stops listening; disconnects the socket when the client created it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.restoreDelays();
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('connect_error', this.onConnectError);
    this.socket.off('snapshot', this.onSnapshot);
    this.socket.off('event', this.onEvent);
    this.socket.off('audience', this.onAudience);
    this.socket.off('revoked', this.onRevoked);
    this.socket.off('reconnect', this.onReconnectHint);
    this.socket.io.off('reconnect_attempt', this.onReconnectAttempt);
    if (this.owned) this.socket.disconnect();
  }

  private readonly onConnect = (): void => {
    this.backoff.reset();
    this.restoreDelays();
    this.listener.connected();
  };

  private readonly onDisconnect = (reason: Socket.DisconnectReason): void => {
    this.listener.disconnected();
    // socket.io does not reconnect by itself when the server closed the socket (e.g. a gateway shutting
    // down); readers still expect to come back, possibly on another instance.
    if (reason === 'io server disconnect' && this.reconnects()) {
      this.connectIn(this.backoff.next());
    } else if (LOST_WITHOUT_A_WORD.has(reason) && this.reconnects() && !this.configuredDelays) {
      // socket.io schedules its first attempt right after this handler, with the delays set here.
      const first = this.socket.io.reconnectionDelay();
      this.useDelays(first, first);
    }
  };

  private readonly onConnectError = (error: Error): void => {
    // While `active`, socket.io keeps retrying on its own; otherwise the server refused us (middleware).
    if (!this.socket.active) this.listener.connectFailed(error);
  };

  private readonly onSnapshot = (message: SnapshotMessage): void => {
    if (hasStoryId(message)) this.listener.snapshot(message);
  };

  private readonly onEvent = (event: EventMessage): void => {
    if (hasStoryId(event)) this.listener.event(event);
  };

  private readonly onAudience = (message: AudienceMessage): void => {
    if (hasStoryId(message)) this.listener.audience(message);
  };

  private readonly onRevoked = (message: RevokedMessage): void => {
    if (hasStoryId(message)) this.listener.revoked(message);
  };

  /**
   * The instance is going away and will close the connection: leave now rather than when the
   * transport notices, then wait socket.io's reconnection delay. Retries stay quick for a while, as
   * the first attempt may reach the leaving instance again through the load balancer.
   */
  private readonly onReconnectHint = (hint: ReconnectMessage): void => {
    if (!this.reconnects()) return;
    const asked = typeof hint === 'object' && hint !== null ? Number(hint.delayMs) : 0;
    const delay = Number.isFinite(asked) ? Math.min(Math.max(0, asked), MAX_HINT_DELAY_MS) : 0;
    this.useDelays(MOVE_RETRY_MS, MOVE_RETRY_MS);
    // Stops socket.io's own reconnection too: the connection is opened again here, after `delay`.
    this.socket.disconnect();
    this.connectIn(delay);
  };

  private readonly onReconnectAttempt = (attempt: number): void => {
    if (attempt >= MOVE_QUICK_ATTEMPTS) this.restoreDelays();
  };

  private connectIn(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, delayMs);
  }

  /** Reconnection delays for the next attempts, until connected or MOVE_QUICK_ATTEMPTS made. */
  private useDelays(min: number, max: number): void {
    const manager = this.socket.io;
    this.configuredDelays ??= {
      min: manager.reconnectionDelay(),
      max: manager.reconnectionDelayMax(),
    };
    manager.reconnectionDelay(min);
    manager.reconnectionDelayMax(max);
  }

  private reconnects(): boolean {
    return !this.closed && this.socket.io.reconnection();
  }

  private restoreDelays(): void {
    const delays = this.configuredDelays;
    if (!delays) return;
    this.configuredDelays = null;
    this.socket.io.reconnectionDelay(delays.min);
    this.socket.io.reconnectionDelayMax(delays.max);
  }
}

function createSocket(options: LivefeedClientOptions): ClientSocket {
  const ioOptions: Partial<ManagerOptions & SocketOptions> = {
    ...DEFAULT_IO_OPTIONS,
    ...options.ioOptions,
    ...(options.token === undefined ? {} : { auth: authOf(options.token) }),
  };
  return options.url === undefined ? io(ioOptions) : io(options.url, ioOptions);
}

function authOf(token: NonNullable<LivefeedClientOptions['token']>): Socket['auth'] {
  if (typeof token === 'string') return { token };
  return (cb: (data: object) => void) => {
    Promise.resolve()
      .then(token)
      .then(
        (value) => cb(value ? { token: value } : {}),
        () => cb({}),
      );
  };
}

/** Capped exponential delays with jitter, from socket.io's own reconnection settings. */
class Backoff {
  private readonly min: number;
  private readonly max: number;
  private attempts = 0;

  constructor(ioOptions: LivefeedClientOptions['ioOptions']) {
    this.min = ioOptions?.reconnectionDelay ?? 1000;
    this.max = ioOptions?.reconnectionDelayMax ?? 5000;
  }

  next(): number {
    const delay = Math.min(this.max, this.min * 2 ** this.attempts++);
    return delay / 2 + Math.random() * (delay / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}

// What the gateway sends is checked for what the client relies on: an older or newer gateway, or a
// proxy in between, may send something else.

function hasStoryId<T>(value: T): value is T & { storyId: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { storyId?: unknown }).storyId === 'string'
  );
}

function isAck(value: unknown): value is SubscribeAck {
  if (typeof value !== 'object' || value === null) return false;
  const ack = value as { ok?: unknown; version?: unknown; error?: unknown };
  if (ack.ok === true) return Number.isInteger(ack.version);
  return ack.ok === false && typeof ack.error === 'object' && ack.error !== null;
}
