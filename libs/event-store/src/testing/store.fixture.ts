import { createTestDatabase, expectEventually } from '@livefeed/common/testing';
import { decide, reportSchema, type Rejection, type Report } from '@livefeed/domain';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { prepareDatabase } from '../database.bootstrap';
import { EventStore } from '../event-store';
import { createPool } from '../postgres/pool';
import type { EventStoreHooks, IncomingReport } from '../event-store.types';

/** A migrated database of the test file's own, with an EventStore on it. */
export interface TestStore {
  readonly url: string;
  readonly dataSource: DataSource;
  readonly store: EventStore;
  /** Errors the pools reported about idle connections (instead of logging them). */
  readonly poolErrors: Error[];
  /** Another DataSource on the same database (a second worker); closed by `close`. */
  connect(hooks?: EventStoreHooks): Promise<{ dataSource: DataSource; store: EventStore }>;
  close(): Promise<void>;
}

export async function openTestStore(hooks: EventStoreHooks = {}): Promise<TestStore> {
  const db = await createTestDatabase();
  await prepareDatabase(db.url);
  const opened: Array<{ destroy(): Promise<unknown> }> = [];
  const poolErrors: Error[] = [];
  const connect = async (h: EventStoreHooks = {}) => {
    const onPoolError = (e: Error) => poolErrors.push(e);
    // Tests' own SQL goes through a TypeORM DataSource, the store through its pool.
    const dataSource = await createDataSource(db.url, { onPoolError }).initialize();
    const store = new EventStore(createPool(db.url, { onPoolError }), { decide, hooks: h });
    opened.push({ destroy: () => Promise.all([dataSource.destroy(), store.close()]) });
    return { dataSource, store };
  };
  const first = await connect(hooks);
  return {
    url: db.url,
    ...first,
    poolErrors,
    connect,
    close: async () => {
      await Promise.all(opened.map((d) => d.destroy()));
      await db.drop();
    },
  };
}

const BASE = Date.parse('2026-11-24T08:00:00.000Z');
/** `2026-11-24T08:00:00.000Z` plus `seconds`. */
export const at = (seconds: number): string => new Date(BASE + seconds * 1000).toISOString();

let counter = 0;
/** A fresh report id (unique within the process). */
export const nextId = (prefix = 'rpt'): string => `${prefix}-${(counter += 1)}`;

type Raw = {
  type: Report['type'];
  data: Record<string, unknown>;
  id?: string;
  author?: string;
  occurredAt?: string;
};

/** A report as the schema makes it (defaults filled), with a fresh id unless one is given. */
export function report(storyId: string, raw: Raw): Report {
  return reportSchema.parse({
    id: raw.id ?? nextId(),
    author: raw.author ?? 'desk:test',
    storyId,
    ...raw,
  });
}

/** Report builders, one per type. */
export const r = {
  opened: (story: string, data: Record<string, unknown> = {}, extra: Partial<Raw> = {}) =>
    report(story, { type: 'story.opened', data: { title: `Story ${story}`, ...data }, ...extra }),
  updated: (story: string, data: Record<string, unknown>, extra: Partial<Raw> = {}) =>
    report(story, { type: 'story.updated', data, ...extra }),
  closed: (story: string, extra: Partial<Raw> = {}) =>
    report(story, { type: 'story.closed', data: { note: 'done' }, ...extra }),
  reopened: (story: string, extra: Partial<Raw> = {}) =>
    report(story, { type: 'story.reopened', data: {}, ...extra }),
  posted: (
    story: string,
    entryId: string,
    data: Record<string, unknown> = {},
    extra: Partial<Raw> = {},
  ) =>
    report(story, {
      type: 'entry.posted',
      data: { entryId, body: `<p>${entryId}</p>`, ...data },
      ...extra,
    }),
  edited: (
    story: string,
    entryId: string,
    body: string,
    correction?: string,
    extra: Partial<Raw> = {},
  ) =>
    report(story, {
      type: 'entry.edited',
      data: { entryId, body, ...(correction ? { correction } : {}) },
      ...extra,
    }),
  retracted: (story: string, entryId: string, reason = 'wrong', extra: Partial<Raw> = {}) =>
    report(story, { type: 'entry.retracted', data: { entryId, reason }, ...extra }),
  pinned: (story: string, entryId: string, extra: Partial<Raw> = {}) =>
    report(story, { type: 'entry.pinned', data: { entryId }, ...extra }),
  unpinned: (story: string, entryId: string, extra: Partial<Raw> = {}) =>
    report(story, { type: 'entry.unpinned', data: { entryId }, ...extra }),
  figure: (
    story: string,
    figureId: string,
    source: string,
    value: number,
    data: Record<string, unknown> = {},
    extra: Partial<Raw> = {},
  ) =>
    report(story, {
      type: 'figure.reported',
      data: { figureId, label: `Figure ${figureId}`, value, source: { name: source }, ...data },
      ...extra,
    }),
};

export const items = (reports: readonly Report[]): IncomingReport[] =>
  reports.map((report) => ({ report }));

/** A commit policy deferring what may only be too early, as ingest does on a report's first tries. */
export const DEFER_UNKNOWN = {
  defers: (_item: IncomingReport, rejection: Rejection) =>
    rejection.code === 'unknown-entry' || rejection.code === 'unknown-story',
};

/** Counts rows of a table (tests only: the name is not escaped). */
export async function countRows(dataSource: DataSource, table: string): Promise<number> {
  const [row] = await dataSource.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM ${table}`);
  return Number(row.n);
}

/**
 * A commit of `report` held in flight: its story's row locked (FOR UPDATE in an open transaction),
 * so that its batch stops after appending its event, before its commit. Returns once the batch
 * waits on that lock: the commit under way, and `release` to let it go on.
 */
export async function commitHeldInFlight(t: TestStore, report: Report, recordedAt: string) {
  const blocker = new Client({ connectionString: t.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT 1 FROM stories WHERE id = $1 FOR UPDATE', [report.storyId]);
  const commit = t.store.commitBatch(items([report]), recordedAt);
  await expectEventually(async () => {
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    expect(row.n).toBe(1);
  });
  return {
    commit,
    async release(): Promise<void> {
      await blocker.query('COMMIT');
      await blocker.end();
    },
  };
}
