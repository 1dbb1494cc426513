import { escapeIdentifier as id, escapeLiteral } from 'pg';
import { LIVE_PROJECTIONS } from '../commit/batch.writes';
import type { Sql } from '../postgres/pool';
import { FRESH_PROJECTIONS, ROLES, type Role } from './projection.tables';
import type { RebuildDifference } from './rebuild.types';

/** Rows listed per table at most; past that, one note says there are more. */
const MAX_ROWS_LISTED = 1_000;

/** How a row of each table is named in a difference; `key` is its primary key, story id first. */
const LABELS: Record<Role, (key: readonly string[]) => string> = {
  stories: () => 'story',
  entries: ([, entryId]) => `entry ${entryId}`,
  figures: ([, figureId]) => `figure ${figureId}`,
  claims: ([, figureId, source]) => `figure ${figureId} by ${source}`,
};

// Values of these types are long or structured: a difference in them is named, not printed.
const NAMED_ONLY = new Set(['text', 'jsonb', 'json']);

interface Column {
  readonly name: string;
  readonly type: string;
  /** Place in the primary key (1-based), null when not part of it. */
  readonly key: number | null;
}

interface DiffRow {
  readonly key: string[];
  readonly missing: boolean;
  readonly extra: boolean;
  /** One `[column, live, rebuilt]` per column, null where they agree. */
  readonly diffs: Array<[string, string | null, string | null] | null>;
}

/**
 * Compares the live projection with the fresh tables row by row, column by column (every column the
 * live tables have, whatever migrations added), optionally for one story only, and names each
 * difference. Run it in the snapshot the fresh tables were caught up in.
 */
export async function compareProjections(sql: Sql, storyId?: string): Promise<RebuildDifference[]> {
  const found: RebuildDifference[] = [];
  const notes: RebuildDifference[] = [];
  for (const role of ROLES) {
    const columns = await sql.query<Column>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              array_position(i.indkey::int2[], a.attnum) AS key
         FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [LIVE_PROJECTIONS[role]],
    );
    const rows = await sql.query<DiffRow>(
      differingRows(role, columns, storyId !== undefined),
      storyId === undefined ? [] : [storyId],
    );
    if (rows.length > MAX_ROWS_LISTED) {
      rows.length = MAX_ROWS_LISTED;
      notes.push({
        storyId: '*',
        what: `${LIVE_PROJECTIONS[role]}: more rows differ than the ${MAX_ROWS_LISTED} listed`,
      });
    }
    const types = new Map(columns.map((c) => [c.name, c.type]));
    for (const row of rows) {
      const label = LABELS[role](row.key);
      const note = (what: string) => found.push({ storyId: row.key[0], what });
      if (row.missing) note(`${label} missing`);
      else if (row.extra) note(`${label} is not in the log`);
      else {
        for (const [column, live, rebuilt] of row.diffs.filter((d) => d !== null)) {
          note(
            NAMED_ONLY.has(types.get(column) ?? 'text')
              ? `${label}: ${column} differs`
              : `${label}: ${column} ${live ?? 'null'} ≠ ${rebuilt ?? 'null'}`,
          );
        }
      }
    }
  }
  // Stable: each story's differences stay in table order.
  found.sort((a, b) => (a.storyId < b.storyId ? -1 : a.storyId > b.storyId ? 1 : 0));
  return [...found, ...notes];
}

/** The rows of one table that are missing, extra or different, keyed by the primary key. */
function differingRows(role: Role, columns: readonly Column[], oneStory: boolean): string {
  const keys = columns
    .filter((c) => c.key !== null)
    .sort((a, b) => a.key! - b.key!)
    .map((c) => id(c.name));
  const others = columns.filter((c) => c.key === null).map((c) => c.name);
  const [first] = keys;
  if (!first)
    throw new Error(`rebuild: ${LIVE_PROJECTIONS[role]} has no primary key to compare by`);
  const side = (table: string) =>
    `(SELECT * FROM ${table}${oneStory ? ` WHERE ${first} = $1` : ''})`;
  const keyOf = keys.map((k) => `coalesce(l.${k}, r.${k})`);
  const diffs = others.map((name) => {
    const c = id(name);
    return `CASE WHEN l.${c} IS DISTINCT FROM r.${c} THEN json_build_array(${escapeLiteral(name)}, l.${c}::text, r.${c}::text) END`;
  });
  const all = (alias: string) => others.map((name) => `${alias}.${id(name)}`).join(', ');
  return `
    SELECT json_build_array(${keyOf.join(', ')}) AS key, l.${first} IS NULL AS missing,
           r.${first} IS NULL AS extra, json_build_array(${diffs.join(', ')}) AS diffs
      FROM ${side(LIVE_PROJECTIONS[role])} AS l
      FULL JOIN ${side(FRESH_PROJECTIONS[role])} AS r ON ${keys.map((k) => `l.${k} = r.${k}`).join(' AND ')}
     WHERE l.${first} IS NULL OR r.${first} IS NULL OR ROW(${all('l')}) IS DISTINCT FROM ROW(${all('r')})
     ORDER BY ${keyOf.join(', ')}
     LIMIT ${MAX_ROWS_LISTED + 1}`;
}
