/** How far a rebuild has come, reported a few times a second (never once per event). */
export interface RebuildProgress {
  /**
   * `copy`: folding the log into fresh tables; `catch-up`: folding what was committed meanwhile;
   * `verify`: comparing with the live projection; `swap`: putting the fresh tables in place.
   */
  readonly phase: 'copy' | 'catch-up' | 'verify' | 'swap';
  /** Events folded so far. */
  readonly events: number;
  /** Events in the log as far as known: its size when the rebuild began, or more once passed. */
  readonly totalEvents: number;
  /** Stories rebuilt so far. */
  readonly stories: number;
}

export interface RebuildOptions {
  /** Rebuild only this story (its rows replaced in one transaction); default every story. */
  readonly storyId?: string;
  /** Rebuild aside and report how the live projection differs, instead of swapping. */
  readonly verify?: boolean;
  readonly onProgress?: (p: RebuildProgress) => void;
  /** Stops the rebuild: the fresh tables are dropped, the live projection is left as it was. */
  readonly signal?: AbortSignal;
}

/** One way the live projection differs from the fold of the log. */
export interface RebuildDifference {
  /** The story (`*` for the note that more differences were found than are listed). */
  readonly storyId: string;
  /** e.g. `story: version 41 ≠ 42` (live value first, then the log's), `entry e3: body differs`, `figure f1 missing`. */
  readonly what: string;
}

export interface RebuildResult {
  /** Stories rebuilt. */
  readonly stories: number;
  /** Events folded. */
  readonly events: number;
  /** True when the rebuilt rows replaced the live ones (never with `verify`). */
  readonly swapped: boolean;
  /** With `verify`: every difference found (none without it). */
  readonly differences: readonly RebuildDifference[];
}
