import type { StoryState } from '@livefeed/domain';
import type { Pool } from 'pg';
import type { StorySummary } from '../event-store.types';
import { inSnapshot, sqlOn } from '../postgres/pool';
import { toEntry, toFigures, toStoryState, type ClaimRow, type EntryRow, type FigureRow, type StoryRow } from './rows';

/** A story's state from the projection tables, in the shape of CONTRACT section 3. */
export async function readStory(pool: Pool, id: string): Promise<StoryState | null> {
  return inSnapshot(pool, async (sql) => {
    const [story] = await sql.query<StoryRow>('SELECT * FROM stories WHERE id = $1', [id]);
    if (!story) return null;
    const entries = await sql.query<EntryRow>(
      'SELECT * FROM entries WHERE story_id = $1 ORDER BY posted_at DESC, posted_version DESC',
      [id],
    );
    const figures = await sql.query<FigureRow>('SELECT * FROM figures WHERE story_id = $1 ORDER BY first_version', [id]);
    const claims = figures.length
      ? await sql.query<ClaimRow>('SELECT * FROM figure_claims WHERE story_id = $1 ORDER BY first_version', [id])
      : [];
    return toStoryState(story, entries.map(toEntry), toFigures(figures, claims));
  });
}

/** Public stories, live first, most recently updated first (CONTRACT section 5, `GET /api/stories`). */
export async function listPublicStories(pool: Pool): Promise<StorySummary[]> {
  const rows = await sqlOn(pool).query<Pick<StoryRow, 'id' | 'title' | 'status' | 'visibility' | 'version' | 'updated_at'>>(
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
  const rows = await sqlOn(pool).query<{ version: number }>('SELECT version FROM stories WHERE id = $1', [id]);
  return rows[0]?.version ?? null;
}
