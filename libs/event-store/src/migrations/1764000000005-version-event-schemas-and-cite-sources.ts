import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every event carries the schema version of its `data` (libs/domain/src/event.upcast.ts), and an entry
 * cites several sources (docs/protocol.md, "Story state"; docs/architecture.md, "Event schema versions").
 *
 * The log is not rewritten: the rows already there are version 1, which the column's default says, and
 * readers upcast them. The default stays 1 after the migration too: the append writes the current
 * version explicitly, so only a release that predates the column (during a rolling deploy) falls back
 * on it, and what such a release writes is indeed version 1.
 *
 * The entries projection trades `source` for `sources` (the state's `source` is read as `sources[0]`):
 * one column, one description of what an entry cites.
 */
export class VersionEventSchemasAndCiteSources1764000000005 implements MigrationInterface {
  name = 'VersionEventSchemasAndCiteSources1764000000005';

  async up(q: QueryRunner): Promise<void> {
    // A constant default: PostgreSQL records it in the catalogue, no table rewrite however long the log.
    await q.query(`
      ALTER TABLE events
        ADD COLUMN schema_version smallint NOT NULL DEFAULT 1
          CONSTRAINT events_schema_version_check CHECK (schema_version > 0)`);
    await q.query(`ALTER TABLE entries ADD COLUMN sources jsonb NOT NULL DEFAULT '[]'`);
    await q.query(
      `UPDATE entries SET sources = jsonb_build_array(source) WHERE source IS NOT NULL AND source <> 'null'`,
    );
    await q.query(`ALTER TABLE entries DROP COLUMN source`);
  }

  /**
   * Back to one source per entry, for the release before this one: it reads `data.source` and knows no
   * schema version, so posts written since are given back that shape. An entry that cited several
   * sources keeps only the first.
   */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE entries ADD COLUMN source jsonb`);
    await q.query(`UPDATE entries SET source = sources -> 0 WHERE jsonb_array_length(sources) > 0`);
    await q.query(`ALTER TABLE entries DROP COLUMN sources`);
    await q.query(`
      UPDATE events
         SET data = CASE WHEN jsonb_array_length(data -> 'sources') > 0
                         THEN (data - 'sources') || jsonb_build_object('source', data -> 'sources' -> 0)
                         ELSE data - 'sources' END
       WHERE schema_version >= 2 AND type = 'entry.posted' AND data ? 'sources'`);
    await q.query(`ALTER TABLE events DROP COLUMN schema_version`);
  }
}
