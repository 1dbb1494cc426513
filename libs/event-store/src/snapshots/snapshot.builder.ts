import type { StoryState } from '@livefeed/domain';
import type { Sql } from '../postgres/pool';
import { foldChain, type SnapshotBase } from './snapshot.chain';
import { insertSnapshots, readEventRuns, readNewestSnapshots } from './snapshot.queries';

/** How snapshots are kept: one every `every` events, states in the shape `schema` names. */
export interface SnapshotPolicy {
  readonly every: number;
  /** STORY_STATE_SCHEMA of @livefeed/domain. */
  readonly schema: number;
}

/** What one read did, counted for `HistoryReadStats`. */
export interface ReadTally {
  fromSnapshot: number;
  eventsFolded: number;
  eventsScanned: number;
  snapshotsWritten: number;
}

export const newTally = (): ReadTally => ({
  fromSnapshot: 0,
  eventsFolded: 0,
  eventsScanned: 0,
  snapshotsWritten: 0,
});

/** Versions are PostgreSQL integers: a version beyond them is beyond every head. */
export const MAX_VERSION = 2 ** 31 - 1;
/** Events read per round trip while snapshots are caught up (a story without any, say). */
const PAGE_EVENTS = 2_000;

const pageOf = (policy: SnapshotPolicy) =>
  policy.every * Math.max(1, Math.floor(PAGE_EVENTS / policy.every));

/**
 * Writes every snapshot due in the given stories, up to their heads, each folded from the newest
 * usable one before it (so a story's chunks follow each other). Safe to run anywhere, any number of
 * times at once: each row is deterministic given the log and the policy, and the first one stands.
 * Returns how many snapshots were written.
 */
export async function writeDueSnapshots(
  sql: Sql,
  storyIds: readonly string[],
  policy: SnapshotPolicy,
): Promise<number> {
  let pending = [...new Set(storyIds)];
  let written = 0;
  while (pending.length > 0) {
    // About PAGE_EVENTS a round, and at least two chunks a story: one due snapshot and the events
    // after it, so that a story the writer was told of takes one round.
    const page =
      policy.every * Math.max(2, Math.floor(PAGE_EVENTS / policy.every / pending.length));
    const newest = await readNewestSnapshots(
      sql,
      pending.map((storyId) => ({ storyId, atMost: MAX_VERSION })),
      policy.schema,
    );
    const runs = pending.map((storyId) => {
      const after = newest.get(storyId)?.version ?? 0;
      return { storyId, after, upTo: after + page };
    });
    const events = await readEventRuns(sql, runs);
    const records = runs.flatMap(
      (run) =>
        foldChain(
          run.storyId,
          newest.get(run.storyId) ?? null,
          events.get(run.storyId) ?? [],
          policy.every,
        ).records,
    );
    written += await insertSnapshots(sql, records, policy.schema);
    // A full page may have more behind it; a short one reached the head.
    pending = runs
      .filter((r) => (events.get(r.storyId)?.length ?? 0) === page)
      .map((r) => r.storyId);
  }
  return written;
}

/**
 * The story after `version` (beyond the head: the head), or null before it began: the newest usable
 * snapshot at or below it, and the events after that. Snapshots found missing on the way (a writer
 * that lags, a log older than snapshots, a snapshot of another state schema) are written as the fold
 * passes them, so the next read folds at most `every` events.
 */
export async function stateAtVersion(
  sql: Sql,
  storyId: string,
  version: number,
  policy: SnapshotPolicy,
  tally: ReadTally,
): Promise<StoryState | null> {
  if (version < 1) return null;
  const base = (await readNewestSnapshots(sql, [{ storyId, atMost: version }], policy.schema)).get(
    storyId,
  );
  tally.fromSnapshot = base?.version ?? 0;
  let from: SnapshotBase | null = base ?? null;
  const page = pageOf(policy);
  for (;;) {
    const after = from?.version ?? 0;
    if (from && after >= version) return from.state;
    const upTo = Math.min(version, after + page);
    const events = (await readEventRuns(sql, [{ storyId, after, upTo }])).get(storyId) ?? [];
    tally.eventsFolded += events.length;
    tally.eventsScanned += events.length;
    const fold = foldChain(storyId, from, events, policy.every);
    tally.snapshotsWritten += await insertSnapshots(sql, fold.records, policy.schema);
    if (fold.state === null) return null;
    if (upTo === version || events.length < upTo - after) return fold.state;
    from = { version: fold.version, state: fold.state };
  }
}
