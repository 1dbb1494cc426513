import type { StoryEvent, StoryState } from '@livefeed/domain';
import { expectEventually } from '@livefeed/common/testing';
import type {
  LivefeedClient,
  LivefeedClientOptions,
  Subscription,
  SubscriptionStatus,
} from '../client.types';
import { createLivefeedClient } from '../livefeed.client';
import type { LivefeedError } from '../livefeed.error';
import { GatewayEmulator } from './gateway.emulator';

/** Everything one subscription's handlers were told, in order. */
export interface Recording {
  readonly subscription: Subscription;
  readonly states: { state: StoryState; event: StoryEvent | null }[];
  readonly events: StoryEvent[];
  readonly statuses: SubscriptionStatus[];
  readonly audience: number[];
  readonly errors: LivefeedError[];
}

/** An emulated gateway and the clients of one test, all closed after it. */
export class ClientHarness {
  private readonly clients: LivefeedClient[] = [];

  private constructor(readonly gateway: GatewayEmulator) {}

  static async start(
    options?: Parameters<typeof GatewayEmulator.start>[1],
  ): Promise<ClientHarness> {
    return new ClientHarness(await GatewayEmulator.start(0, options));
  }

  /** A client of the emulated gateway that reconnects quickly (over the SDK's default transports). */
  connect(options: Partial<LivefeedClientOptions> = {}): LivefeedClient {
    const client = createLivefeedClient({
      url: this.gateway.url,
      ...options,
      ioOptions: {
        reconnectionDelay: 20,
        reconnectionDelayMax: 100,
        ...options.ioOptions,
      },
    });
    this.clients.push(client);
    return client;
  }

  /** Subscribes and records every handler call. */
  record(
    client: LivefeedClient,
    storyId: string,
    options?: Parameters<LivefeedClient['subscribe']>[2],
  ): Recording {
    const recording = { states: [], events: [], statuses: [], audience: [], errors: [] } as Omit<
      Recording,
      'subscription'
    >;
    const subscription = client.subscribe(
      storyId,
      {
        onState: (state, event) => recording.states.push({ state, event }),
        onEvent: (event) => recording.events.push(event),
        onStatus: (status) => recording.statuses.push(status),
        onAudience: (count) => recording.audience.push(count),
        onError: (error) => recording.errors.push(error),
      },
      options,
    );
    return { ...recording, subscription };
  }

  /** What a reader who subscribes now ends with, once live. */
  async freshState(storyId: string): Promise<StoryState | null> {
    const client = this.connect();
    const { subscription } = this.record(client, storyId);
    await waitLive(subscription);
    client.close();
    return subscription.state;
  }

  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) client.close();
    await this.gateway.stop();
  }
}

/** Waits until the subscription is live and holds at least `version`. */
export async function waitLive(subscription: Subscription, version = 0): Promise<void> {
  await expectEventually(() => {
    expect(subscription.status).toBe('live');
    expect(subscription.version).toBeGreaterThanOrEqual(version);
  });
}

/** The versions of the events a recording was told about. */
export function versionsOf(events: readonly StoryEvent[]): number[] {
  return events.map((event) => event.version);
}

/**
 * A fresh harness for each test of the enclosing `describe`, closed after it: call once at the top of a
 * describe and read the current harness through the returned function.
 */
export function useClientHarness(): () => ClientHarness {
  let harness: ClientHarness | undefined;
  beforeEach(async () => {
    harness = await ClientHarness.start();
  });
  afterEach(() => harness?.close());
  return () => {
    if (!harness) throw new Error('useClientHarness: read the harness inside a test');
    return harness;
  };
}
