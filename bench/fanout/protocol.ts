/**
 * Messages between bench/fanout/fanout.bench.ts and its child processes (client workers and the
 * plain socket.io baseline server), over the `fork` IPC channel with `serialization: 'advanced'`.
 *
 * Every time on every side is `wallClock()`: epoch milliseconds with sub-millisecond precision,
 * comparable across the processes of one machine.
 */

export const wallClock = (): number => performance.timeOrigin + performance.now();

/**
 * Report ids (livefeed) and synthetic event ids (baseline) carry their publish time as their last
 * `:`-separated token: `<marker>:<seq>:<epoch ms>`. Workers take latencies only from ids that
 * start with the run's marker.
 */
export function stampId(marker: string, seq: number, at = wallClock()): string {
  return `${marker}:${seq}:${at.toFixed(3)}`;
}

export function stampOf(id: string): number {
  return Number(id.slice(id.lastIndexOf(':') + 1));
}

/** One socket a worker opens: which story it subscribes to, and what it claims to hold. */
export interface SocketSpec {
  readonly storyId: string;
  readonly since?: number;
}

export type ClientKind = 'lean' | 'raw' | 'sio';
export const CLIENT_KINDS: readonly ClientKind[] = ['lean', 'raw', 'sio'];

// ---- parent → client worker ----------------------------------------------------------------

export type WorkerCommand =
  | {
      readonly op: 'open';
      readonly url: string;
      readonly sockets: readonly SocketSpec[];
      /** Sockets connecting at the same time; 0 opens all at once (the reconnect storm). */
      readonly concurrency: number;
      /** Counted as "at head" once a socket holds this version (storm); undefined: not tracked. */
      readonly headVersion?: number;
      /** Each socket starts after a random delay up to this (ms); 0 or absent: no delay. */
      readonly spreadMs?: number;
      /** Connect only; `subscribe` later subscribes them all at once. */
      readonly deferSubscribe?: boolean;
      /** A socket not subscribed (or connected) this long after its start counts as failed. */
      readonly timeoutMs?: number;
      readonly marker: string;
    }
  /** Subscribes every socket opened with `deferSubscribe`, all at once; answered with `opened`. */
  | { readonly op: 'subscribe'; readonly headVersion?: number; readonly marker: string }
  | { readonly op: 'reset'; readonly marker: string }
  | { readonly op: 'count' }
  | { readonly op: 'collect' }
  | { readonly op: 'close' }
  | { readonly op: 'exit' };

// ---- client worker → parent ----------------------------------------------------------------

export interface OpenResult {
  readonly type: 'opened';
  readonly requested: number;
  readonly connected: number;
  readonly acked: number;
  readonly refused: number;
  readonly failed: number;
  /** Connection attempts repeated after a failure (refused, reset, closed before the ack). */
  readonly retries: number;
  readonly errors: readonly string[];
  /** When the last subscribe was acknowledged. */
  readonly lastAckAt: number;
  /** When the last socket reached `headVersion` (NaN when some never did, or not tracked). */
  readonly allAtHeadAt: number;
  readonly atHead: number;
}

export interface CountResult {
  readonly type: 'count';
  readonly deliveries: number;
  readonly atHead: number;
  readonly allAtHeadAt: number;
}

export interface CollectResult {
  readonly type: 'collected';
  /** Events received since the last reset that carry the run's marker. */
  readonly deliveries: number;
  /** Every event message received since the last reset (also catch-ups and foreign ones). */
  readonly events: number;
  readonly snapshots: number;
  /** Latencies (ms), a uniform sample of at most the worker's reservoir size. */
  readonly latencies: Float64Array;
  /** The publish time (ms since the epoch) of each of `latencies`. */
  readonly stamps: Float64Array;
  readonly latencyMax: number;
  readonly firstAt: number;
  readonly lastAt: number;
  /** An event whose version is not one more than the last held: skipped ahead / went back or repeated. */
  readonly gaps: number;
  readonly repeats: number;
  readonly disconnects: number;
  readonly atHead: number;
  readonly allAtHeadAt: number;
  readonly cpuMicros: number;
}

export type WorkerReply =
  | OpenResult
  | CountResult
  | CollectResult
  | { readonly type: 'closed' }
  | { readonly type: 'ready' };

// ---- parent ↔ baseline server --------------------------------------------------------------

export interface EventTemplate {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly author: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
}

export type BaselineCommand =
  | {
      readonly op: 'run';
      readonly stories: readonly string[];
      /** Events per second per story; events go round-robin over the stories. */
      readonly ratePerStory: number;
      readonly seconds: number;
      readonly template: EventTemplate;
      readonly marker: string;
    }
  /** A story's event log, for catch-ups: `subscribe` with `since` gets the events after it. */
  | { readonly op: 'seed'; readonly storyId: string; readonly events: readonly StoredEvent[] }
  | { readonly op: 'memory' }
  | { readonly op: 'exit' };

export interface StoredEvent {
  readonly version: number;
  readonly [key: string]: unknown;
}

export type BaselineReply =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'seeded'; readonly storyId: string }
  | {
      readonly type: 'ran';
      readonly sent: number;
      readonly startedAt: number;
      readonly endedAt: number;
      readonly expectedDeliveries: number;
    }
  | {
      readonly type: 'memory';
      readonly rss: number;
      readonly heapUsed: number;
      readonly sockets: number;
    };
