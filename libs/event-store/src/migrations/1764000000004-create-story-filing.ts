import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far each story's reports have been taken in filing order: the reports-stream sequence of the
 * last report of the story that was admitted for deciding (accepted, rejected or deferred). A report
 * filed later is decided only once every valid report filed before it for the same story was
 * (docs/architecture.md, "Filing order").
 */
export class CreateStoryFiling1764000000004 implements MigrationInterface {
  name = 'CreateStoryFiling1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE story_filing (
        -- The batch read's "unnest($7) JOIN story_filing USING (story_id)" and its upsert.
        story_id  text   NOT NULL PRIMARY KEY,
        last_seq  bigint NOT NULL CHECK (last_seq > 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE story_filing`);
  }
}
