import { evolve, type StoryEvent, type StoryState } from '@livefeed/domain';

/** A stored state to fold forward from: the state after `version`. */
export interface SnapshotBase {
  readonly version: number;
  readonly state: StoryState;
}

/** A snapshot to store: the state after `version`, folded from the one at `baseVersion`. */
export interface SnapshotRecord {
  readonly storyId: string;
  readonly version: number;
  readonly baseVersion: number;
  readonly state: StoryState;
  /** The entryId of every entry event in `baseVersion < version <= version`. */
  readonly entryIds: readonly string[];
}

export interface ChainFold {
  /** The state after the last event (the base's state when there were none; null with no base). */
  readonly state: StoryState | null;
  /** The version `state` is at (0: nothing yet). */
  readonly version: number;
  /** A snapshot at every multiple of `every` passed (the chunk since the previous one complete). */
  readonly records: readonly SnapshotRecord[];
}

/** The first version at which a snapshot is due after one at `version`. */
export function nextSnapshotAt(version: number, every: number): number {
  return (Math.floor(version / every) + 1) * every;
}

/**
 * Folds a contiguous run of a story's events onto `base` with the domain's `evolve`, and says which
 * snapshots fall due on the way: one at each multiple of `every`, each speaking for the events since
 * the previous one (docs/architecture.md, "Snapshots"). Throws on a run that does not follow on from
 * the base without a gap: a snapshot folded over a hole would be wrong forever.
 */
export function foldChain(
  storyId: string,
  base: SnapshotBase | null,
  events: readonly StoryEvent[],
  every: number,
): ChainFold {
  let state = base?.state ?? null;
  let version = base?.version ?? 0;
  let chunkBase = version;
  let due = nextSnapshotAt(version, every);
  let entryIds = new Set<string>();
  const records: SnapshotRecord[] = [];
  for (const event of events) {
    if (event.storyId !== storyId || event.version !== version + 1)
      throw new Error(
        `event-store: cannot fold ${event.storyId}@${event.version} onto ${storyId}@${version}`,
      );
    state = evolve(state, event);
    version = event.version;
    const entryId = entryIdOf(event);
    if (entryId !== undefined) entryIds.add(entryId);
    if (version === due) {
      records.push({ storyId, version, baseVersion: chunkBase, state, entryIds: [...entryIds] });
      chunkBase = version;
      due = nextSnapshotAt(version, every);
      entryIds = new Set();
    }
  }
  return { state, version, records };
}

/** The entry an event is about, if it is about one (every `entry.*` event names it). */
export function entryIdOf(event: StoryEvent): string | undefined {
  const data = event.data as { readonly entryId?: unknown };
  return typeof data.entryId === 'string' ? data.entryId : undefined;
}
