import { evolve, type StoryEvent, type StoryState } from '@livefeed/domain';
import type { EntryHistory, EntryRevision } from '../event-store.types';
import type { Sql } from '../postgres/pool';
import { EVENT_COLUMNS, toStoryEvent, type EventRow } from '../rows';
import {
  writeDueSnapshots,
  type ReadTally,
  type SnapshotPolicy,
} from '../snapshots/snapshot.builder';
import { entryIdOf } from '../snapshots/snapshot.chain';

/*
 * The events that touched one entry, without an index on events.data->>'entryId' (which every append
 * would pay for): each snapshot row lists the entries its chunk of events touched, so only those
 * chunks and the log after the last snapshot are read. When the chunks do not follow each other (see
 * instant.resolver.ts) the whole story is read instead.
 */
const CHUNKS = `
  WITH s AS (
    SELECT version, base_version, entry_ids,
           lag(version, 1, 0) OVER (ORDER BY version) AS prev
      FROM story_snapshots WHERE story_id = $1
  )
  SELECT coalesce(array_agg(base_version ORDER BY version) FILTER (WHERE $2 = ANY (entry_ids)), '{}')
           AS afters,
         coalesce(array_agg(version ORDER BY version) FILTER (WHERE $2 = ANY (entry_ids)), '{}')
           AS up_tos,
         coalesce(bool_and(base_version = prev), true) AS chained,
         coalesce(max(version), 0) AS covered,
         (SELECT coalesce(max(version), 0) FROM events WHERE story_id = $1) AS head
    FROM s`;

// Each range is a stretch of the (story_id, version) key, read as such (LATERAL with
// OFFSET 0, as in snapshot.queries.ts); the filter keeps the entry's events.
const EVENTS = `
  SELECT ${EVENT_COLUMNS}
    FROM unnest($2::int[], $3::int[]) AS r(after, up_to)
   CROSS JOIN LATERAL (
     SELECT * FROM events x
      WHERE x.story_id = $1 AND x.version > r.after AND x.version <= r.up_to
        AND x.data->>'entryId' = $4
     OFFSET 0) e
   ORDER BY e.version`;

interface Chunks {
  readonly afters: number[];
  readonly up_tos: number[];
  readonly chained: boolean;
  readonly covered: number;
  readonly head: number;
}

/** Every event that touched the entry, oldest first; null when no event names it. */
export async function readEntryHistory(
  sql: Sql,
  storyId: string,
  entryId: string,
  policy: SnapshotPolicy,
  tally: ReadTally,
): Promise<EntryHistory | null> {
  let chunks = await readChunks(sql, storyId, entryId);
  if (chunks.head === 0) return null;
  if (chunks.head - chunks.covered >= policy.every) {
    tally.snapshotsWritten += await writeDueSnapshots(sql, [storyId], policy);
    chunks = await readChunks(sql, storyId, entryId);
  }
  const afters = chunks.chained ? [...chunks.afters, chunks.covered] : [0];
  const upTos = chunks.chained ? [...chunks.up_tos, chunks.head] : [chunks.head];
  tally.eventsScanned += upTos.reduce((sum, upTo, i) => sum + upTo - afters[i], 0);
  const rows = await sql.query<EventRow>(EVENTS, [storyId, afters, upTos, entryId]);
  const events = rows.map(toStoryEvent).filter((e) => entryIdOf(e) === entryId);
  tally.eventsFolded += events.length;
  if (events.length === 0) return null;
  return { storyId, entryId, revisions: revisionsOf(storyId, entryId, events) };
}

async function readChunks(sql: Sql, storyId: string, entryId: string): Promise<Chunks> {
  const [row] = await sql.query<Chunks>(CHUNKS, [storyId, entryId]);
  return row;
}

/**
 * Each event with the entry's body as the domain's `evolve` leaves it, on a story that holds only
 * this entry (evolve changes no other entry for an entry event, and a partial state is allowed).
 */
function revisionsOf(
  storyId: string,
  entryId: string,
  events: readonly StoryEvent[],
): EntryRevision[] {
  let story: StoryState = {
    id: storyId,
    title: '',
    summary: null,
    status: 'live',
    visibility: 'public',
    version: 0,
    openedAt: events[0].occurredAt,
    updatedAt: events[0].occurredAt,
    entries: [],
    figures: [],
  };
  return events.map((event) => {
    story = evolve(story, event);
    const entry = story.entries.find((e) => e.entryId === entryId);
    return {
      version: event.version,
      type: event.type,
      body: entry?.body ?? null,
      correction: event.type === 'entry.edited' ? (event.data.correction ?? null) : null,
      reason: event.type === 'entry.retracted' ? event.data.reason : null,
      author: event.author,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
    };
  });
}
