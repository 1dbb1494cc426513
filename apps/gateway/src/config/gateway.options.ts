import { randomBytes } from 'node:crypto';
import type { Config } from '@livefeed/common';

/** The typed configuration (docs/protocol.md, "Configuration"), read once by `loadConfig`. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Limits and timings of one gateway instance; defaults suit production, tests shrink them. */
export interface GatewayOptions {
  /** Names this instance in audience counts and logs. */
  readonly instanceId: string;
  /** Stories one socket may follow at once. */
  readonly maxSubscriptionsPerSocket: number;
  /** Largest message a client may send (subscribe requests are tiny). */
  readonly maxHttpBufferSize: number;
  /** A socket with more bytes than this waiting to be written is disconnected (it resumes). */
  readonly slowConsumerBytes: number;
  readonly slowConsumerCheckMs: number;
  /** Longest catch-up sent as events; further behind gets a snapshot (docs/protocol.md, "Live push"). */
  readonly catchUpMax: number;
  /** Stories whose cursor and recent events are kept; the least recently used go first. */
  readonly maxCachedStories: number;
  /** Events cached across all stories. */
  readonly maxCachedEventsTotal: number;
  /** How often this instance tells the others its local audience counts. */
  readonly audiencePublishMs: number;
  /** How often subscribers hear a changed audience count, at most. */
  readonly audienceEmitMs: number;
  /** Counts from an instance not heard for this long are forgotten. */
  readonly audienceExpiryMs: number;
  /** How long "this story does not exist" is believed. */
  readonly missingStoryTtlMs: number;
  /**
   * Connections the kernel queues before the gateway accepts them (capped by
   * `net.core.somaxconn`). Node's 511 overflows when thousands of readers reconnect at once, and
   * each overflowed connect costs its client a SYN retransmit (1 s, then 3 s, 7 s …).
   */
  readonly listenBacklog: number;
  /**
   * Events NATS may send this instance's feed ahead of processing. When the gateway falls behind,
   * the backlog then arrives in bursts, and a burst's events of one story reach each reader in one
   * write: the further behind, the cheaper each event, so it catches up.
   */
  readonly feedMaxMessages: number;
  /**
   * engine.io's heartbeat: the server pings every `pingIntervalMs` and drops a client silent for
   * `pingTimeoutMs` after; a client that hears no ping for both together knows it is cut off. Their
   * sum is how soon a reader's page says "offline" when the network goes without the browser
   * noticing (socket.io's defaults, 25 s + 20 s, took 45 s; docs/protocol.md, "Pages").
   */
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');

export function defaultGatewayOptions(overrides: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    instanceId: `gw-${randomBytes(4).toString('hex')}`,
    maxSubscriptionsPerSocket: 100,
    maxHttpBufferSize: 16 * 1024,
    slowConsumerBytes: 1024 * 1024,
    slowConsumerCheckMs: 250,
    catchUpMax: 1000,
    maxCachedStories: 1000,
    maxCachedEventsTotal: 200_000,
    audiencePublishMs: 1000,
    audienceEmitMs: 2000,
    audienceExpiryMs: 5000,
    missingStoryTtlMs: 1000,
    listenBacklog: 4096,
    feedMaxMessages: 1000,
    pingIntervalMs: 2000,
    pingTimeoutMs: 2500,
    ...overrides,
  };
}

export type GatewayConfig = Config;
