import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outcome of every decided report, kept forever: idempotency on report id and `GET /api/reports/:id`. */
export class CreateReportOutcomes1764000000003 implements MigrationInterface {
  name = 'CreateReportOutcomes1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_outcomes (
        report_id   text        NOT NULL,
        story_id    text        NOT NULL,
        status      text        NOT NULL CHECK (status IN ('accepted', 'rejected')),
        version     integer,
        code        text,
        message     text,
        decided_at  timestamptz NOT NULL,
        -- getOutcome "WHERE report_id = $1", recordRejection's ON CONFLICT and the batch's
        -- "WHERE o.report_id IN (SELECT unnest($1))".
        CONSTRAINT report_outcomes_pkey PRIMARY KEY (report_id),
        CONSTRAINT report_outcomes_shape_check CHECK (
          (status = 'accepted' AND version IS NOT NULL AND code IS NULL)
          OR (status = 'rejected' AND version IS NULL AND code IS NOT NULL AND message IS NOT NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE report_outcomes`);
  }
}
