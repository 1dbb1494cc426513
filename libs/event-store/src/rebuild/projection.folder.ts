import type { StoryEvent } from '@livefeed/domain';
import { writeProjections, type ProjectionTables } from '../commit/batch.writes';
import { StoryWorkspace, type LoadedStory, type StoryChanges } from '../commit/story.workspace';
import type { Sql } from '../postgres/pool';
import { EVENT_COLUMNS, rowsByStory, toStoryEvent } from '../rows';
import type { EventRow, ProjectionRowsJson } from '../rows';

/** Rows per statement when writing out: bounds the JSON documents a huge story makes. */
const ROWS_PER_WRITE = 5_000;

const NOTHING_YET: LoadedStory = { story: undefined, entries: [], figures: [], claims: [] };

/**
 * Folds the log, in order, into projection rows, story by story, with the workspace a commit uses
 * (`evolve` underneath), and writes the rows with the commit's own row code.
 *
 * What it holds: the state of each story it has begun and not yet written out, that is every story
 * whose version has not reached the one it had when the rebuild began (`heads`), and nothing of the
 * events once folded. A story is written out and forgotten as soon as it reaches its head; one that
 * moves on later (an event committed during the rebuild) is read back from the rows written.
 */
export class ProjectionFolder {
  private readonly open = new Map<string, StoryWorkspace>();
  /** Events folded so far. */
  events = 0;
  /** Stories begun so far (their `story.opened` folded). */
  stories = 0;

  /**
   * @param tables where rows are written and read back from
   * @param heads each story's last version in the log when the rebuild began; a story without one
   *   (opened since) is written out after every run of events. A head short of the log costs a write
   *   and a read-back of all the story's rows per run, which grows with the square of its events.
   */
  constructor(
    private readonly tables: ProjectionTables,
    private readonly heads: ReadonlyMap<string, number>,
  ) {}

  /** Folds a run of events in log order (each story's versions consecutive) and writes out the stories that reached their head. */
  async fold(sql: Sql, events: readonly StoryEvent[]): Promise<void> {
    const firsts = new Map<string, number>();
    for (const e of events) if (!firsts.has(e.storyId)) firsts.set(e.storyId, e.version);
    const written = [...firsts].filter(([id, version]) => !this.open.has(id) && version > 1);
    const loaded = await loadStories(
      sql,
      this.tables,
      written.map(([id]) => id),
    );
    for (const [id] of written) {
      const story = loaded.get(id);
      if (!story?.story)
        throw new Error(`rebuild: story ${id} goes on in the log but was never opened`);
      this.open.set(id, new StoryWorkspace(story));
    }
    for (const event of events) {
      let workspace = this.open.get(event.storyId);
      if (!workspace) this.open.set(event.storyId, (workspace = new StoryWorkspace(NOTHING_YET)));
      const version = workspace.state?.version ?? 0;
      if (event.version !== version + 1) {
        throw new Error(
          `rebuild: story ${event.storyId} goes from version ${version} to ${event.version} in the log`,
        );
      }
      workspace.apply(event);
      this.events += 1;
      if (event.version === 1) this.stories += 1;
    }
    await this.writeOut(
      sql,
      [...firsts.keys()].filter(
        (id) => (this.open.get(id)?.state?.version ?? 0) >= (this.heads.get(id) ?? 0),
      ),
    );
  }

  /** Writes out every story still held. */
  flush(sql: Sql): Promise<void> {
    return this.writeOut(sql, [...this.open.keys()]);
  }

  /** Forgets what is held without writing it (its transaction rolled back): it is read back when needed. */
  forget(): void {
    this.open.clear();
  }

  private async writeOut(sql: Sql, ids: readonly string[]): Promise<void> {
    const changes: StoryChanges[] = [];
    for (const id of ids) {
      const c = this.open.get(id)?.changes();
      if (c) changes.push(...pieces(c));
      this.open.delete(id);
    }
    let chunk: StoryChanges[] = [];
    let rows = 0;
    for (const c of changes) {
      const size = 1 + c.entries.length + c.figures.length + c.claims.length;
      if (rows + size > ROWS_PER_WRITE && chunk.length) {
        await writeProjections(sql, chunk, this.tables);
        [chunk, rows] = [[], 0];
      }
      chunk.push(c);
      rows += size;
    }
    await writeProjections(sql, chunk, this.tables);
  }
}

/** A story's changes cut into pieces of at most ROWS_PER_WRITE rows (each piece carries the story row). */
function pieces(c: StoryChanges): StoryChanges[] {
  if (c.entries.length + c.figures.length + c.claims.length < ROWS_PER_WRITE) return [c];
  const cut = <T>(list: readonly T[]): T[][] =>
    Array.from({ length: Math.ceil(list.length / ROWS_PER_WRITE) }, (_, k) =>
      list.slice(k * ROWS_PER_WRITE, (k + 1) * ROWS_PER_WRITE),
    );
  return [
    ...cut(c.entries).map((entries) => ({ ...c, entries, figures: [], claims: [] })),
    ...cut(c.figures).map((figures) => ({ ...c, entries: [], figures, claims: [] })),
    ...cut(c.claims).map((claims) => ({ ...c, entries: [], figures: [], claims })),
  ];
}

/** Every row of the given stories in `tables`, as a commit's workspace takes them. */
async function loadStories(
  sql: Sql,
  t: ProjectionTables,
  ids: readonly string[],
): Promise<Map<string, LoadedStory>> {
  if (ids.length === 0) return new Map();
  const [row] = await sql.query<ProjectionRowsJson>(
    `SELECT
       (SELECT coalesce(json_agg(s), '[]') FROM unnest($1::text[]) AS k(id) JOIN ${t.stories} s USING (id)) AS stories,
       (SELECT coalesce(json_agg(e), '[]') FROM unnest($1::text[]) AS k(story_id) JOIN ${t.entries} e USING (story_id)) AS entries,
       (SELECT coalesce(json_agg(f), '[]') FROM unnest($1::text[]) AS k(story_id) JOIN ${t.figures} f USING (story_id)) AS figures,
       (SELECT coalesce(json_agg(c), '[]') FROM unnest($1::text[]) AS k(story_id) JOIN ${t.claims} c USING (story_id)) AS claims`,
    [ids],
  );
  return rowsByStory(row, ids);
}

/**
 * Events committed after a point, visible now (no horizon: the caller holds what keeps writers out, or
 * reads in one snapshot with the projection it compares). By global position for the whole log, by
 * version for one story.
 */
export async function eventsSince(
  sql: Sql,
  since: { readonly position: number } | { readonly storyId: string; readonly version: number },
): Promise<StoryEvent[]> {
  const rows =
    'position' in since
      ? await sql.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.position > $1 ORDER BY e.position`,
          [since.position],
        )
      : await sql.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.story_id = $1 AND e.version > $2 ORDER BY e.version`,
          [since.storyId, since.version],
        );
  return rows.map(toStoryEvent);
}
