import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { createTestDatabase, TEST_NATS_URL, uniqueSubjectRoot } from '@livefeed/common/testing';
import { subjectsFor } from '@livefeed/common';
import { decide, fold, type StoryEvent } from '@livefeed/domain';
import { EventStore, createPool, prepareDatabase } from '@livefeed/event-store';

export type RawReport = Record<string, unknown> & { id: string; storyId: string };
/** Bytes to publish as they are: malformed or hostile input. */
export interface RawMessage {
  readonly subject: string;
  readonly bytes: Uint8Array;
  readonly msgId?: string;
}
const isRawMessage = (r: RawReport | RawMessage): r is RawMessage => r.bytes instanceof Uint8Array;
const enc = new TextEncoder();

/** Where a world lives: by default the machine's NATS and PostgreSQL (a private one: test/faults). */
export interface WorldPlace {
  /** One NATS URL or several, comma-separated (NATS_URL). */
  readonly natsUrl?: string;
  readonly database?: () => Promise<{ url: string; drop: () => Promise<void> }>;
}

/** One isolated world for a test file: its own database and subject root. */
export async function isolatedWorld({
  natsUrl = TEST_NATS_URL,
  database = createTestDatabase,
}: WorldPlace = {}) {
  const db = await database();
  const root = uniqueSubjectRoot();
  const servers = natsUrl.split(',');
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const subjects = subjectsFor(root);
  const env = { DATABASE_URL: db.url, LIVEFEED_SUBJECT_ROOT: root, NATS_URL: natsUrl };
  let store: EventStore | undefined;
  let pg: Client | undefined;

  const world = {
    db,
    root,
    nc,
    subjects,
    env,
    /** Publishes report bodies to JetStream (pipelined), with Nats-Msg-Id = report id unless given. */
    async publish(reports: readonly (RawReport | RawMessage)[]) {
      const js = jetstream(nc);
      await Promise.all(
        reports.map((r) => {
          if (isRawMessage(r))
            return js.publish(r.subject, r.bytes, r.msgId ? { msgID: r.msgId } : {});
          return js.publish(subjects.reports(r.storyId), enc.encode(JSON.stringify(r)), {
            msgID: r.id,
          });
        }),
      );
    },
    async sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
      if (!pg) {
        // A client that lost its server (a restart in test/faults) is dropped: the next call reconnects.
        const c = new Client({ connectionString: db.url });
        c.on('error', () => pg === c && (pg = undefined));
        pg = c;
        await c.connect().catch((error: unknown) => {
          pg = undefined;
          throw error;
        });
      }
      const c = pg;
      try {
        return (await c.query(text, values)).rows as T[];
      } catch (error) {
        if (!(error as { code?: string }).code && pg === c) pg = undefined;
        throw error;
      }
    },
    async store(): Promise<EventStore> {
      if (!store) {
        await prepareDatabase(db.url);
        store = new EventStore(createPool(db.url), { decide });
      }
      return store;
    },
    /** Outcomes recorded so far. */
    async outcomeCount(): Promise<number> {
      const rows = await world
        .sql<{ n: string }>('SELECT count(*) AS n FROM report_outcomes')
        .catch(() => [{ n: '0' }]);
      return Number(rows[0].n);
    },
    /**
     * The log's invariants: every story's versions are 1..n with no gap or repeat, every report id
     * appears at most once, and the projection equals the fold of the log.
     */
    async checkLog(): Promise<{ events: number; stories: number }> {
      const gaps = await world.sql(
        `SELECT story_id, count(*)::int AS n, max(version) AS max, count(DISTINCT version)::int AS d
           FROM events GROUP BY story_id HAVING count(*) <> max(version) OR count(DISTINCT version) <> count(*)`,
      );
      if (gaps.length > 0) throw new Error(`gaps or repeats: ${JSON.stringify(gaps.slice(0, 5))}`);
      const dup = await world.sql(
        `SELECT report_id FROM events GROUP BY report_id HAVING count(*) > 1`,
      );
      if (dup.length > 0)
        throw new Error(`duplicate report ids: ${JSON.stringify(dup.slice(0, 5))}`);
      const s = await world.store();
      const ids = await world.sql<{ story_id: string }>('SELECT DISTINCT story_id FROM events');
      let events = 0;
      for (const { story_id } of ids) {
        const log: StoryEvent[] = await s.readEvents(story_id, 0, 1_000_000);
        events += log.length;
        const projected = await s.getStory(story_id);
        const folded = fold(log);
        expect(projected).toEqual(folded);
      }
      return { events, stories: ids.length };
    },
    /** Each story of `prefix` holds exactly the reports filed for it, in the order they were filed. */
    async expectFilingOrder(prefix: string, filedReports: readonly RawReport[]): Promise<void> {
      const rows = await world.sql<{ story_id: string; report_id: string }>(
        `SELECT story_id, report_id FROM events WHERE story_id LIKE $1 ORDER BY story_id, version`,
        [`${prefix}%`],
      );
      const filed = new Map<string, string[]>();
      for (const r of filedReports) filed.set(r.storyId, [...(filed.get(r.storyId) ?? []), r.id]);
      const committed = new Map<string, string[]>();
      for (const r of rows)
        committed.set(r.story_id, [...(committed.get(r.story_id) ?? []), r.report_id]);
      expect(committed).toEqual(filed);
    },
    async close() {
      await pg?.end().catch(() => undefined);
      await store?.close().catch(() => undefined);
      await nc.drain().catch(() => undefined);
      const admin = await connect({ servers });
      const jsm = await jetstreamManager(admin);
      for (const name of [subjects.reportsStream, subjects.eventsStream]) {
        await jsm.streams.delete(name).catch(() => undefined);
      }
      await admin.close();
      await db.drop().catch(() => undefined);
    },
  };
  return world;
}

/** A story's reports, built with fixed ids so a failure names what went wrong. */
export function storyScript(storyId: string, entries: number, prefix = storyId): RawReport[] {
  const out: RawReport[] = [
    {
      id: `${prefix}-open`,
      storyId,
      type: 'story.opened',
      author: 'desk:test',
      data: { title: `Story ${storyId}` },
    },
  ];
  for (let i = 1; i <= entries; i++) {
    out.push({
      id: `${prefix}-p${i}`,
      storyId,
      type: 'entry.posted',
      author: 'desk:test',
      data: { entryId: `e${i}`, body: `<p>update ${i}</p>` },
    });
  }
  return out;
}

/** `stories` stories of `perStory` reports each, interleaved the way live desks file them. */
export function workload(prefix: string, stories: number, perStory: number): RawReport[] {
  const scripts = Array.from({ length: stories }, (_, s) =>
    storyScript(`${prefix}-${s}`, perStory - 1),
  );
  const out: RawReport[] = [];
  for (let i = 0; i < perStory; i++) for (const script of scripts) out.push(script[i]);
  return out;
}
