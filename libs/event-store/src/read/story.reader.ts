import type { StoryState } from '@livefeed/domain';
import type { Pool } from 'pg';
import type { StorySummary } from '../event-store.types';
import { sqlOn } from '../postgres/pool';
import {
  claimFromJson,
  entryFromJson,
  storyFromJson,
  toEntry,
  toFigures,
  toStoryState,
  type ClaimRow,
  type EntryRow,
  type FigureRow,
  type StoryRow,
} from '../rows';

// One statement, so the story row and its entries and figures come from one snapshot even while batches
// commit, in one round trip.
const READ_STORY = `
  SELECT row_to_json(s) AS story,
         (SELECT coalesce(json_agg(e ORDER BY e.posted_at DESC, e.posted_version DESC), '[]')
            FROM entries e WHERE e.story_id = s.id) AS entries,
         (SELECT coalesce(json_agg(f ORDER BY f.first_version), '[]')
            FROM figures f WHERE f.story_id = s.id) AS figures,
         (SELECT coalesce(json_agg(c ORDER BY c.first_version), '[]')
            FROM figure_claims c WHERE c.story_id = s.id) AS claims
    FROM stories s
   WHERE s.id = $1`;

/** A story's state from the projection tables, in the shape of docs/protocol.md, "Story state". */
export async function readStory(pool: Pool, id: string): Promise<StoryState | null> {
  const [row] = await sqlOn(pool).query<{
    story: StoryRow;
    entries: EntryRow[];
    figures: FigureRow[];
    claims: ClaimRow[];
  }>(READ_STORY, [id]);
  if (!row) return null;
  return toStoryState(
    storyFromJson(row.story),
    row.entries.map((e) => toEntry(entryFromJson(e))),
    toFigures(row.figures, row.claims.map(claimFromJson)),
  );
}

/** Public stories, live first, most recently updated first (docs/protocol.md, "HTTP", `GET /api/stories`). */
export async function listPublicStories(pool: Pool): Promise<StorySummary[]> {
  const rows = await sqlOn(pool).query<
    Pick<StoryRow, 'id' | 'title' | 'status' | 'visibility' | 'version' | 'updated_at'>
  >(
    `SELECT id, title, status, visibility, version, updated_at
       FROM stories
      WHERE visibility = 'public'
      ORDER BY (status = 'live') DESC, updated_at DESC, id`,
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    status: r.status,
    visibility: r.visibility,
    version: r.version,
    updatedAt: r.updated_at,
  }));
}

export async function readStoryVersion(pool: Pool, id: string): Promise<number | null> {
  const rows = await sqlOn(pool).query<{ version: number }>(
    'SELECT version FROM stories WHERE id = $1',
    [id],
  );
  return rows[0]?.version ?? null;
}
