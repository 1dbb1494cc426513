import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A story's state stored every N events beside the log, so that time travel folds at most N events
 * (docs/architecture.md, "Snapshots"). Written after the commit, never inside it; every row can be
 * derived again from the log, so the table may be emptied at any time.
 */
export class CreateStorySnapshots1764000000006 implements MigrationInterface {
  name = 'CreateStorySnapshots1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE story_snapshots (
        story_id         text        NOT NULL,
        -- The state after this version.
        version          integer     NOT NULL CHECK (version > 0),
        -- The snapshot it was folded forward from (0: from the start of the log). The row speaks for
        -- the events base_version < version <= version, its chunk; a story's chunks follow each other.
        base_version     integer     NOT NULL CHECK (base_version >= 0 AND base_version < version),
        -- STORY_STATE_SCHEMA of the release that wrote "state" (@livefeed/domain): another number is
        -- never folded forward, only rewritten.
        state_schema     integer     NOT NULL,
        state            jsonb       NOT NULL,
        -- The earliest recorded_at of the chunk's events: ?at=<instant> finds the chunk holding the
        -- last event recorded by then without an index on events.recorded_at.
        low_recorded_at  timestamptz NOT NULL,
        -- The entryId of every entry event of the chunk: an entry's history reads only these chunks.
        entry_ids        text[]      NOT NULL,
        -- stateAt "WHERE story_id = $1 AND version <= $2 AND state_schema = $3 ORDER BY version DESC
        -- LIMIT 1"; the ON CONFLICT of the writers; the instant and history look-ups "WHERE story_id =
        -- $1" (a story's few hundred rows, read without their state). No more indexes: rows are written
        -- once per N events, read a story at a time.
        CONSTRAINT story_snapshots_pkey PRIMARY KEY (story_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE story_snapshots`);
  }
}
