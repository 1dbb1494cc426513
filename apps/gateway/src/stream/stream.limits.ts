/** How much one story stream holds in memory, and how long it waits before asking the database. */
export interface StreamLimits {
  /** Events kept in memory for catch-ups. */
  readonly cacheEvents: number;
  /** Longest catch-up sent as events; a client further behind gets a snapshot. */
  readonly catchUpMax: number;
  /** How long "this story does not exist" is believed before asking the database again. */
  readonly missingTtlMs: number;
  /** Live events held while a hole below them is filled; beyond, they are re-read later. */
  readonly pendingMax: number;
  /**
   * Events kept even when `cacheEvents` is smaller: stitching a catch-up read to the events
   * broadcast while it ran needs the latest few, also with caching for catch-ups turned off.
   */
  readonly stitchTail: number;
  /**
   * How long a hole may stay open before it is read from the database: events published by several
   * ingest workers arrive slightly out of order, and the missing one is usually a moment behind.
   */
  readonly holeGraceMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  // docs/protocol.md, "Live push": a catch-up of up to 1,000 events is sent as events.
  cacheEvents: 1000,
  catchUpMax: 1000,
  missingTtlMs: 1000,
  pendingMax: 10_000,
  stitchTail: 64,
  holeGraceMs: 20,
};
