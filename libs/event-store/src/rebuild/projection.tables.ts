import { escapeIdentifier } from 'pg';
import { LIVE_PROJECTIONS, type ProjectionTables } from '../commit/batch.writes';
import type { Sql } from '../postgres/pool';

/** The projection tables by role, in the order every commit and reader locks them (see `lockLive`). */
export const ROLES = ['stories', 'entries', 'figures', 'claims'] as const;
export type Role = (typeof ROLES)[number];

/** The fresh tables a rebuild fills beside the live ones: `<live name>_rebuild`. */
export const FRESH_PROJECTIONS: ProjectionTables = {
  stories: `${LIVE_PROJECTIONS.stories}_rebuild`,
  entries: `${LIVE_PROJECTIONS.entries}_rebuild`,
  figures: `${LIVE_PROJECTIONS.figures}_rebuild`,
  claims: `${LIVE_PROJECTIONS.claims}_rebuild`,
};

const list = (tables: ProjectionTables) => ROLES.map((role) => tables[role]).join(', ');

/** An index of a fresh table and the name its live counterpart has, which it takes at the swap. */
export interface IndexRename {
  readonly from: string;
  readonly to: string;
}

/** Drops the fresh tables, whoever left them (a rebuild killed mid-way): a rerun starts clean. */
export async function dropFreshTables(sql: Sql): Promise<void> {
  await sql.query(`DROP TABLE IF EXISTS ${list(FRESH_PROJECTIONS)}`);
}

/**
 * Creates empty fresh tables shaped as the live ones are now, whatever migrations did to them:
 * columns, defaults, checks, indexes (`LIKE … INCLUDING ALL`), storage options (fillfactor), owner and
 * grants. Returns the index renames that give the fresh indexes the live names at the swap, so that
 * the next rebuild and future migrations find the names they expect.
 */
export async function createFreshTables(sql: Sql): Promise<IndexRename[]> {
  await refuseWhatCannotBeCopied(sql);
  for (const role of ROLES) {
    const live = LIVE_PROJECTIONS[role];
    const fresh = FRESH_PROJECTIONS[role];
    const [shape] = await sql.query<{ options: string | null; owner: string; mine: boolean }>(
      `SELECT array_to_string(c.reloptions, ', ') AS options, c.relowner::regrole::text AS owner,
              pg_get_userbyid(c.relowner) = current_user AS mine
         FROM pg_class c WHERE c.oid = $1::regclass`,
      [live],
    );
    await sql.query(
      `CREATE TABLE ${fresh} (LIKE ${live} INCLUDING ALL)${shape.options ? ` WITH (${shape.options})` : ''}`,
    );
    // A superuser's rebuild must leave the tables to the role the apps write as.
    if (!shape.mine) await sql.query(`ALTER TABLE ${fresh} OWNER TO ${shape.owner}`);
    const grants = await sql.query<{ privilege: string; grantee: string; grantable: boolean }>(
      `SELECT a.privilege_type AS privilege, a.is_grantable AS grantable,
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee
         FROM pg_class c, aclexplode(c.relacl) AS a
        WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`,
      [live],
    );
    for (const g of grants) {
      await sql.query(
        `GRANT ${g.privilege} ON ${fresh} TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
      );
    }
  }
  return indexRenames(sql);
}

/**
 * `LIKE` copies neither foreign keys nor triggers nor row security, and a view on a live table would
 * make the swap's DROP fail after all the work: refuse before starting, saying what is in the way.
 */
async function refuseWhatCannotBeCopied(sql: Sql): Promise<void> {
  const obstacles = await sql.query<{ what: string }>(
    `WITH live AS (SELECT unnest($1::text[])::regclass::oid AS oid)
     SELECT format('foreign key %s on %s', conname, conrelid::regclass) AS what FROM pg_constraint
      WHERE contype = 'f' AND (conrelid IN (SELECT oid FROM live) OR confrelid IN (SELECT oid FROM live))
     UNION ALL
     SELECT format('trigger %s on %s', tgname, tgrelid::regclass) FROM pg_trigger
      WHERE tgrelid IN (SELECT oid FROM live) AND NOT tgisinternal
     UNION ALL
     SELECT format('policy %s on %s', polname, polrelid::regclass) FROM pg_policy
      WHERE polrelid IN (SELECT oid FROM live)
     UNION ALL
     SELECT DISTINCT format('view %s on %s', r.ev_class::regclass, d.refobjid::regclass)
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid IN (SELECT oid FROM live)
        AND r.ev_class <> d.refobjid`,
    [ROLES.map((role) => LIVE_PROJECTIONS[role])],
  );
  if (obstacles.length) {
    throw new Error(
      `rebuild: the projection tables carry what a rebuild cannot carry over: ${obstacles
        .map((o) => o.what)
        .join('; ')}`,
    );
  }
}

/** Pairs each fresh index with the live index of the same definition. */
async function indexRenames(sql: Sql): Promise<IndexRename[]> {
  const rows = await sql.query<{ table: string; index: string; shape: string }>(
    `SELECT t.relname AS table, i.relname AS index,
            regexp_replace(pg_get_indexdef(x.indexrelid), '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+ ', '\\1') AS shape
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      WHERE x.indrelid IN (SELECT unnest($1::text[])::regclass)
      ORDER BY shape, index`,
    [[...ROLES.map((r) => LIVE_PROJECTIONS[r]), ...ROLES.map((r) => FRESH_PROJECTIONS[r])]],
  );
  const renames: IndexRename[] = [];
  for (const role of ROLES) {
    const of = (table: string) => rows.filter((row) => row.table === table);
    const live = of(LIVE_PROJECTIONS[role]);
    const fresh = of(FRESH_PROJECTIONS[role]);
    const unpaired =
      fresh.length !== live.length || fresh.some((f, i) => f.shape !== live[i].shape);
    if (unpaired) {
      throw new Error(
        `rebuild: the indexes of ${FRESH_PROJECTIONS[role]} do not match ${live[0]?.table}'s`,
      );
    }
    fresh.forEach((f, i) => {
      if (f.index !== live[i].index) renames.push({ from: f.index, to: live[i].index });
    });
  }
  return renames;
}

/**
 * Locks the live projection tables against every commit and reader, in the order they take them (a
 * commit's first read names stories, entries, figures, claims in that order, and so does getStory), so
 * that the swap and a commit never hold one each and wait for the other.
 */
export async function lockLive(sql: Sql, timeoutMs: number): Promise<void> {
  await sql.query(`SET LOCAL lock_timeout = ${Math.floor(timeoutMs)}`);
  await sql.query(`LOCK TABLE ${list(LIVE_PROJECTIONS)} IN ACCESS EXCLUSIVE MODE`);
}

/**
 * Puts the fresh tables in place of the live ones (under `lockLive`, in the same transaction): drops the
 * live tables, renames the fresh ones and their indexes (with their constraints) to the live names.
 */
export async function swapInFresh(sql: Sql, renames: readonly IndexRename[]): Promise<void> {
  await sql.query(
    [
      `DROP TABLE ${list(LIVE_PROJECTIONS)}`,
      ...ROLES.map(
        (role) => `ALTER TABLE ${FRESH_PROJECTIONS[role]} RENAME TO ${LIVE_PROJECTIONS[role]}`,
      ),
      ...renames.map(
        (r) => `ALTER INDEX ${escapeIdentifier(r.from)} RENAME TO ${escapeIdentifier(r.to)}`,
      ),
    ].join('; '),
  );
}

/** Deletes a story's rows from the projection tables, in the tables' locking order. */
export async function deleteStoryRows(
  sql: Sql,
  tables: ProjectionTables,
  storyId: string,
): Promise<void> {
  await sql.query(
    `WITH s AS (DELETE FROM ${tables.stories} WHERE id = $1),
          e AS (DELETE FROM ${tables.entries} WHERE story_id = $1),
          f AS (DELETE FROM ${tables.figures} WHERE story_id = $1)
     DELETE FROM ${tables.claims} WHERE story_id = $1`,
    [storyId],
  );
}
