import type { StoryEvent } from '@livefeed/domain';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  LivefeedClient,
  LivefeedClientOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  SubscriptionStatus,
} from './client.types';
import { LivefeedError } from './livefeed.error';
import type { AudienceMessage, SnapshotMessage, SubscribeAck } from './protocol.types';
import { type ChannelListener, type ChannelPort, StoryChannel } from './story.channel';

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * Connects to the livefeed gateway (docs/protocol.md, "Live push") and keeps each subscribed story's state in step:
 * a snapshot, then events folded in version order; after every reconnection it resumes from the last version
 * it holds, so nothing is missed and nothing is applied twice.
 *
 * @example
 * const client = createLivefeedClient({ url: 'https://live.example.org' });
 * const sub = client.subscribe('karabakh-day-6', { onState: (story) => render(story) });
 */
export function createLivefeedClient(options: LivefeedClientOptions = {}): LivefeedClient {
  const socket = options.socket ?? createSocket(options);
  const ownsSocket = options.socket === undefined;
  if (options.socket && options.token !== undefined) socket.auth = authOf(options.token);
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const channels = new Map<string, StoryChannel>();
  const reconnectBackoff = backoff(options.ioOptions);
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const port: ChannelPort = {
    subscribe: (request, onAck) => {
      // socket.io would buffer it and send it on connect, where every channel subscribes anyway.
      if (!socket.connected) return;
      socket
        .timeout(ackTimeoutMs)
        .emit('subscribe', request, (error: Error | null, ack?: SubscribeAck) => {
          onAck(error ?? (isAck(ack) ? ack : new Error('malformed subscribe acknowledgement')));
        });
    },
    unsubscribe: (storyId) => {
      // Unacknowledged on purpose: nothing waits on it, and the server forgets subscriptions on disconnect.
      if (socket.connected) socket.emit('unsubscribe', { storyId }, () => undefined);
    },
  };

  const onConnect = (): void => {
    reconnectBackoff.reset();
    for (const channel of channels.values()) channel.connected();
  };
  const onDisconnect = (reason: Socket.DisconnectReason): void => {
    for (const channel of channels.values()) channel.disconnected();
    // socket.io does not reconnect by itself when the server closed the socket (e.g. a gateway shutting
    // down); readers still expect to come back, possibly on another instance.
    if (reason === 'io server disconnect' && !closed && options.ioOptions?.reconnection !== false) {
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(() => {
        if (!closed && !socket.connected) socket.connect();
      }, reconnectBackoff.next());
    }
  };
  const onConnectError = (error: Error): void => {
    // While `active`, socket.io keeps retrying on its own; otherwise the server refused us (middleware).
    if (socket.active) return;
    for (const channel of channels.values()) channel.connectFailed(error);
  };
  const onSnapshot = (message: SnapshotMessage): void => {
    if (isObject(message)) channels.get(message.storyId)?.onSnapshot(message);
  };
  const onEvent = (event: StoryEvent): void => {
    if (isObject(event)) channels.get(event.storyId)?.onEvent(event);
  };
  const onAudience = (message: AudienceMessage): void => {
    if (isObject(message)) channels.get(message.storyId)?.onAudience(message.count);
  };

  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('connect_error', onConnectError);
  socket.on('snapshot', onSnapshot);
  socket.on('event', onEvent);
  socket.on('audience', onAudience);

  function release(channel: StoryChannel, listener: ChannelListener): void {
    channel.removeListener(listener);
    if (channel.listenerCount > 0 || channels.get(channel.storyId) !== channel) return;
    channels.delete(channel.storyId);
    channel.close();
    port.unsubscribe(channel.storyId);
  }

  return {
    subscribe(
      storyId: string,
      handlers: SubscriptionHandlers = {},
      subscribeOptions: SubscribeOptions = {},
    ) {
      if (closed) throw new LivefeedError('closed', 'the livefeed client was closed', storyId);
      let channel = channels.get(storyId);
      if (!channel) {
        channel = new StoryChannel(storyId, port, subscribeOptions.initialState);
        channels.set(storyId, channel);
        if (socket.connected) channel.connected();
      }
      return subscriptionOf(channel, channel.addListener(handlers), release);
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(reconnectTimer);
      for (const channel of channels.values()) {
        channel.close();
        if (!ownsSocket) port.unsubscribe(channel.storyId);
      }
      channels.clear();
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onConnectError);
      socket.off('snapshot', onSnapshot);
      socket.off('event', onEvent);
      socket.off('audience', onAudience);
      if (ownsSocket) socket.disconnect();
    },
  };
}

function createSocket(options: LivefeedClientOptions): Socket {
  const ioOptions: Partial<ManagerOptions & SocketOptions> = {
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

function subscriptionOf(
  channel: StoryChannel,
  listener: ChannelListener,
  release: (channel: StoryChannel, listener: ChannelListener) => void,
): Subscription {
  let frozen: Pick<Subscription, 'state' | 'version' | 'status' | 'audience'> | null = null;
  return {
    storyId: channel.storyId,
    get state() {
      return frozen ? frozen.state : channel.state;
    },
    get version() {
      return frozen ? frozen.version : channel.version;
    },
    get status(): SubscriptionStatus {
      return frozen ? frozen.status : channel.status;
    },
    get audience() {
      return frozen ? frozen.audience : channel.audience;
    },
    unsubscribe() {
      if (frozen) return;
      const { state, version, status, audience } = channel;
      frozen = { state, version, status, audience };
      release(channel, listener);
    },
  };
}

/** Capped exponential delays with jitter, from socket.io's own reconnection settings. */
function backoff(ioOptions: LivefeedClientOptions['ioOptions']): { next(): number; reset(): void } {
  const min = ioOptions?.reconnectionDelay ?? 1000;
  const max = ioOptions?.reconnectionDelayMax ?? 5000;
  let attempts = 0;
  return {
    next: () => {
      const delay = Math.min(max, min * 2 ** attempts++);
      return delay / 2 + Math.random() * (delay / 2);
    },
    reset: () => {
      attempts = 0;
    },
  };
}

function isObject(value: unknown): value is { storyId: string } {
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
