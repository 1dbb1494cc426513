import type {
  LivefeedClient,
  LivefeedClientOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  SubscriptionStatus,
} from './client.types';
import { GatewayConnection } from './gateway.connection';
import { LivefeedError } from './livefeed.error';
import { type ChannelListener, StoryChannel } from './story.channel';

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
  const channels = new Map<string, StoryChannel>();
  let closed = false;
  const connection = new GatewayConnection(
    options,
    {
      connected: () => {
        for (const channel of channels.values()) channel.connected();
      },
      disconnected: () => {
        for (const channel of channels.values()) channel.disconnected();
      },
      connectFailed: (error) => {
        for (const channel of channels.values()) channel.connectFailed(error);
      },
      snapshot: (message) => channels.get(message.storyId)?.onSnapshot(message),
      event: (event) => channels.get(event.storyId)?.onEvent(event),
      audience: (message) => channels.get(message.storyId)?.onAudience(message.count),
      revoked: (message) => channels.get(message.storyId)?.revoked(message.reason),
    },
    options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
  );

  function release(channel: StoryChannel, listener: ChannelListener): void {
    channel.removeListener(listener);
    if (channel.listenerCount > 0 || channels.get(channel.storyId) !== channel) return;
    channels.delete(channel.storyId);
    channel.close();
    connection.unsubscribe(channel.storyId);
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
        channel = new StoryChannel(storyId, connection, subscribeOptions.initialState);
        channels.set(storyId, channel);
        if (connection.connected) channel.connected();
      }
      return subscriptionOf(channel, channel.addListener(handlers), release);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const channel of channels.values()) {
        channel.close();
        // A socket the client disconnects needs no word: the gateway forgets it with its subscriptions.
        if (!connection.owned) connection.unsubscribe(channel.storyId);
      }
      channels.clear();
      connection.close();
    },
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
