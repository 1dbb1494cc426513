/**
 * bench/history — time travel (`stateAt`) and entry history on one long story, from stored snapshots,
 * beside the fold from version 1 that time travel did before snapshots (the baseline), for a few
 * snapshot intervals N (`LIVEFEED_SNAPSHOT_EVERY`).
 *
 *   npx tsx bench/history/history.bench.ts [--events=100000] [--every=100,250,500,1000] [--reads=30]
 *
 * The story is generated straight into the log (libs/event-store/src/testing/long-story.fixture.ts):
 * one entry per 100 events, the rest edits, pins, figures and renames. For each N: a database of its
 * own, the time to write every snapshot of the story (what a log older than snapshots costs once),
 * their size, then reads at random points of each tenth of the story.
 */
import { loadavg } from 'node:os';
import { fold, type StoryEvent, type StoryState } from '@livefeed/domain';
import { createTestDatabase } from '@livefeed/common/testing';
import {
  createPool,
  EventStore,
  prepareDatabase,
  type HistoryReadStats,
} from '@livefeed/event-store';
import {
  EVENTS_PER_ENTRY,
  insertLongStory,
  LONG_STORY_START,
} from '@livefeed/event-store/testing/long-story.fixture';
import { arg, writeReport } from '../lib/report';
import { summarise } from '../lib/stats';

const EVENTS = arg('events', 100_000);
const READS = arg('reads', 30);
const EVERY = (process.argv.find((a) => a.startsWith('--every='))?.slice(8) ?? '100,250,500,1000')
  .split(',')
  .map(Number);
const STORY = 'long-story';

/** Deterministic points: `count` versions spread over the story. */
function points(count: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: count }, (_, i) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const tenth = Math.floor(EVENTS / 10);
    return Math.min(EVENTS, 1 + (i % 10) * tenth + (x % tenth));
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** What time travel did before snapshots: every event from version 1, folded. */
async function foldFromStart(store: EventStore, version: number): Promise<StoryState | null> {
  const events: StoryEvent[] = [];
  for (let after = 0; after < version;) {
    const page = await store.readEvents(STORY, after, Math.min(10_000, version - after));
    if (page.length === 0) break;
    events.push(...page);
    after = page[page.length - 1].version;
  }
  return fold(events);
}

async function measure(every: number) {
  const db = await createTestDatabase();
  await prepareDatabase(db.url);
  const stats: HistoryReadStats[] = [];
  const pool = createPool(db.url, { applicationName: 'bench-history' });
  const store = new EventStore(pool, { snapshotEvery: every, onHistoryRead: (s) => stats.push(s) });
  try {
    await insertLongStory(pool, STORY, EVENTS);
    await pool.query('ANALYZE events');
    const write = await timed(() => store.writeSnapshots([STORY]));
    const [size] = (
      await pool.query<{ total: string; last: string }>(
        `SELECT pg_total_relation_size('story_snapshots') AS total,
                (SELECT pg_column_size(state) FROM story_snapshots ORDER BY version DESC LIMIT 1) AS last`,
      )
    ).rows;

    const byVersion: number[] = [];
    for (const v of points(READS, every))
      byVersion.push((await timed(() => store.stateAt(STORY, { version: v }))).ms);
    const folded = stats.map((s) => s.eventsFolded);
    stats.length = 0;
    const byInstant: number[] = [];
    for (const v of points(READS, every + 1)) {
      const instant = new Date(LONG_STORY_START + v * 1000 + 250).toISOString();
      byInstant.push((await timed(() => store.stateAt(STORY, { instant }))).ms);
    }
    const scanned = stats.map((s) => s.eventsScanned);
    const history: number[] = [];
    const entries = Math.floor(EVENTS / EVENTS_PER_ENTRY);
    for (const v of points(Math.min(READS, entries), every + 2)) {
      const entryId = `e${Math.floor((v - 2) / EVENTS_PER_ENTRY)}`;
      history.push((await timed(() => store.entryHistory(STORY, entryId))).ms);
    }
    return {
      every,
      snapshots: write.value,
      writeAllMs: Math.round(write.ms),
      perSnapshotMs: Math.round((write.ms / Math.max(1, write.value)) * 100) / 100,
      tableMiB: Math.round((Number(size.total) / 2 ** 20) * 10) / 10,
      lastStateKiB: Math.round(Number(size.last) / 1024),
      atVersionMs: summarise(byVersion),
      atVersionMaxFolded: Math.max(...folded),
      atInstantMs: summarise(byInstant),
      atInstantMaxScanned: Math.max(...scanned),
      entryHistoryMs: summarise(history),
    };
  } finally {
    await store.close();
    await db.drop();
  }
}

async function baseline() {
  const db = await createTestDatabase();
  await prepareDatabase(db.url);
  const pool = createPool(db.url, { applicationName: 'bench-history' });
  const store = new EventStore(pool);
  try {
    await insertLongStory(pool, STORY, EVENTS);
    const middle = await timed(() => foldFromStart(store, Math.floor(EVENTS / 2)));
    const head = await timed(() => foldFromStart(store, EVENTS));
    return { middleMs: Math.round(middle.ms), headMs: Math.round(head.ms) };
  } finally {
    await store.close();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  const base = await baseline();
  const rows = [];
  for (const every of EVERY) rows.push(await measure(every));
  const md = [
    `# bench/history (${new Date().toISOString()})`,
    '',
    `One story of ${EVENTS} events (an entry per ${EVENTS_PER_ENTRY} events), ${READS} reads of each kind at points spread over it; load average at start ${load}.`,
    `Baseline, the fold from version 1 (time travel before snapshots): ${base.middleMs} ms at the middle, ${base.headMs} ms at the head.`,
    '',
    '| N | snapshots | write all (per snapshot) | table | state at head | ?at=version p50 / p99 / max | most events folded | ?at=instant p50 / p99 / max | most versions scanned | entry history p50 / p99 / max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.every} | ${r.snapshots} | ${r.writeAllMs} ms (${r.perSnapshotMs} ms) | ${r.tableMiB} MiB | ${r.lastStateKiB} KiB | ${r.atVersionMs.p50} / ${r.atVersionMs.p99} / ${r.atVersionMs.max} ms | ${r.atVersionMaxFolded} | ${r.atInstantMs.p50} / ${r.atInstantMs.p99} / ${r.atInstantMs.max} ms | ${r.atInstantMaxScanned} | ${r.entryHistoryMs.p50} / ${r.entryHistoryMs.p99} / ${r.entryHistoryMs.max} ms |`,
    ),
    '',
  ].join('\n');
  writeReport('history', { events: EVENTS, reads: READS, load, baseline: base, rows }, md);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
