import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The append-only log: one row per accepted report (docs/protocol.md, "Events out"). */
export class CreateEventLog1764000000001 implements MigrationInterface {
  name = 'CreateEventLog1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        -- Global order, for whole-log replay and projection rebuilds.
        position       bigserial   NOT NULL,
        story_id       text        NOT NULL,
        version        integer     NOT NULL CHECK (version > 0),
        type           text        NOT NULL,
        data           jsonb       NOT NULL,
        report_id      text        NOT NULL,
        author         text        NOT NULL,
        occurred_at    timestamptz NOT NULL,
        recorded_at    timestamptz NOT NULL,
        -- The writing transaction: readLog only returns rows below pg_snapshot_xmin so a tail never
        -- skips a commit still in flight.
        transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
        -- readLog: "WHERE position > $1 AND transaction_id < pg_snapshot_xmin(…) ORDER BY position LIMIT $2".
        CONSTRAINT events_pkey PRIMARY KEY (position),
        -- Idempotency forever; also serves the original event of a duplicate:
        -- "report_outcomes o LEFT JOIN events e ON e.report_id = o.report_id".
        CONSTRAINT events_report_id_key UNIQUE (report_id),
        -- One version per story, no repeat; serves readEvents "WHERE story_id = $1 AND version > $2
        -- ORDER BY version LIMIT $3" and stateAt "WHERE story_id = $1 AND version <= $2 ORDER BY version".
        CONSTRAINT events_story_version_key UNIQUE (story_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE events`);
  }
}
