import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Current-state tables derived from the log (docs/protocol.md, "Story state"), written in the append's transaction. */
export class CreateStoryProjections1764000000002 implements MigrationInterface {
  name = 'CreateStoryProjections1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stories (
        id          text        NOT NULL,
        title       text        NOT NULL,
        summary     text,
        status      text        NOT NULL CHECK (status IN ('live', 'closed')),
        visibility  text        NOT NULL CHECK (visibility IN ('public', 'private')),
        version     integer     NOT NULL CHECK (version > 0),
        opened_at   timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        -- getStory and storyVersion "WHERE id = $1", the batch's "unnest($2) k(id) JOIN stories USING (id)".
        -- No index serves listStories: it returns every public story anyway, and an index on updated_at
        -- would be rewritten by every event (without one, an event's UPDATE of its story stays HOT).
        CONSTRAINT stories_pkey PRIMARY KEY (id)
      ) WITH (fillfactor = 90)`);

    await q.query(`
      CREATE TABLE entries (
        story_id          text        NOT NULL,
        entry_id          text        NOT NULL,
        kind              text        NOT NULL,
        body              text,
        author            text        NOT NULL,
        source            jsonb,
        posted_at         timestamptz NOT NULL,
        posted_version    integer     NOT NULL,
        edited_at         timestamptz,
        corrections       jsonb       NOT NULL DEFAULT '[]',
        pinned            boolean     NOT NULL DEFAULT false,
        retracted_reason  text,
        retracted_at      timestamptz,
        -- The batch's "unnest($3, $4) k(story_id, entry_id) JOIN entries USING (story_id, entry_id)" and
        -- getStory's "WHERE story_id = $1" (a story's few hundred entries are then sorted by posted_at DESC,
        -- posted_version DESC without an index: one more index would cost every append).
        CONSTRAINT entries_pkey PRIMARY KEY (story_id, entry_id)
      ) WITH (fillfactor = 90)`);

    await q.query(`
      CREATE TABLE figures (
        story_id       text    NOT NULL,
        figure_id      text    NOT NULL,
        label          text    NOT NULL,
        unit           text,
        first_version  integer NOT NULL,
        -- The batch's "unnest($5, $6) k(story_id, figure_id) JOIN figures USING (…)" and getStory's
        -- "WHERE story_id = $1".
        CONSTRAINT figures_pkey PRIMARY KEY (story_id, figure_id)
      )`);

    await q.query(`
      CREATE TABLE figure_claims (
        story_id       text             NOT NULL,
        figure_id      text             NOT NULL,
        source_name    text             NOT NULL,
        source         jsonb            NOT NULL,
        value          double precision NOT NULL,
        qualifier      text             NOT NULL,
        reported_at    timestamptz      NOT NULL,
        first_version  integer          NOT NULL,
        -- The batch's "unnest($5, $6) k(story_id, figure_id) JOIN figure_claims USING (…)" (a prefix of
        -- the key) and getStory's "WHERE story_id = $1"; also the upsert's ON CONFLICT target.
        CONSTRAINT figure_claims_pkey PRIMARY KEY (story_id, figure_id, source_name)
      ) WITH (fillfactor = 90)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE figure_claims`);
    await q.query(`DROP TABLE figures`);
    await q.query(`DROP TABLE entries`);
    await q.query(`DROP TABLE stories`);
  }
}
