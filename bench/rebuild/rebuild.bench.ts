/**
 * bench/rebuild — `rebuildProjections(pool)` over a log of `events` events across `stories` stories
 * (generated with one INSERT … SELECT, not through ingest), in events/s, beside a baseline measured
 * in the same run: the plain fold (domain `fold`) of the same events read with one query, which
 * writes nothing.
 *
 *   npx tsx bench/rebuild/rebuild.bench.ts [--events=200000] [--stories=500] [--quick]
 *
 * Also times `rebuildProjections(pool, { verify: true })` (fold aside and compare, no swap). CPU is
 * counted for this process (the rebuild runs in it, as in `livefeed rebuild`) and PostgreSQL.
 */
import { fold, upcastEventData, type StoryEvent } from '@livefeed/domain';
import { createPool, prepareDatabase, rebuildProjections } from '@livefeed/event-store';
import { createTestDatabase } from '@livefeed/common/testing';
import type { Pool } from 'pg';
import { cpuPercent, cpuSample, pidsNamed, type CpuGroups } from '../lib/cpu';
import { arg, writeReport } from '../lib/report';

const QUICK = process.argv.includes('--quick');
const EVENTS = arg('events', QUICK ? 20_000 : 200_000);
const STORIES = arg('stories', QUICK ? 100 : 500);
const groups: CpuGroups = { postgres: () => pidsNamed('postgres') };

/**
 * Fills the log: every story opened at version 1, then entries posted, figures reported, entries
 * edited and pinned, interleaved across stories in position order as ingest would write them.
 */
async function fillLog(pool: Pool, events: number, stories: number): Promise<number> {
  const perStory = Math.max(1, Math.floor(events / stories));
  await pool.query(
    `INSERT INTO events (story_id, version, type, schema_version, data, report_id, author, occurred_at, recorded_at)
     SELECT 'rb-' || s, v, t.type, 2, t.data, 'rb-' || s || '-' || v, 'desk:bench',
            timestamptz '2026-11-24 08:00:00+00' + v * interval '1 second',
            timestamptz '2026-11-24 08:00:00+00' + v * interval '1 second'
       FROM generate_series(0, $1::int - 1) AS s, generate_series(1, $2::int) AS v,
       LATERAL (SELECT CASE
         WHEN v = 1 THEN 'story.opened'
         WHEN v % 10 = 5 THEN 'figure.reported'
         WHEN v % 10 = 7 THEN 'entry.edited'
         WHEN v % 10 = 9 THEN 'entry.pinned'
         ELSE 'entry.posted' END AS type) AS k,
       LATERAL (SELECT k.type, CASE k.type
         WHEN 'story.opened' THEN jsonb_build_object('title', 'Story ' || s, 'summary', NULL, 'visibility', 'public')
         WHEN 'figure.reported' THEN jsonb_build_object('figureId', 'deaths', 'label', 'Killed', 'value', v,
           'qualifier', 'at-least', 'unit', NULL, 'source', jsonb_build_object('name', 'src' || (v % 3)))
         WHEN 'entry.edited' THEN jsonb_build_object('entryId', 'e' || (v - 1), 'body',
           '<p>Corrected: shelling reported overnight near the river crossing.</p>', 'correction', 'place')
         WHEN 'entry.pinned' THEN jsonb_build_object('entryId', 'e' || (v - 1))
         ELSE jsonb_build_object('entryId', 'e' || v, 'kind', 'update', 'body',
           '<p>Shelling reported overnight near the river crossing; residents sheltered in basements.</p>',
           'sources', jsonb_build_array(jsonb_build_object('name', 'Agency', 'url', 'https://example.org/a')))
         END AS data) AS t
      ORDER BY v, s`,
    [stories, perStory],
  );
  await pool.query('ANALYZE events');
  return perStory * stories;
}

const iso = (pgText: string) => pgText.replace(' ', 'T').replace(/\+00$/, 'Z');

/** The baseline: every event in one query, folded per story in memory; returns the stories folded. */
async function plainFold(pool: Pool): Promise<{ events: number; stories: number }> {
  const { rows } = await pool.query<{
    story_id: string;
    version: number;
    type: string;
    schema_version: number;
    data: Record<string, unknown>;
    report_id: string;
    author: string;
    occurred_at: string;
    recorded_at: string;
  }>(
    `SELECT story_id, version, type, schema_version, data, report_id, author,
            occurred_at::text AS occurred_at, recorded_at::text AS recorded_at
       FROM events ORDER BY position`,
  );
  const byStory = new Map<string, StoryEvent[]>();
  for (const r of rows) {
    const event = {
      storyId: r.story_id,
      version: r.version,
      type: r.type,
      data: upcastEventData(r.type, r.schema_version, r.data),
      reportId: r.report_id,
      author: r.author,
      occurredAt: iso(r.occurred_at),
      recordedAt: iso(r.recorded_at),
    } as unknown as StoryEvent;
    const list = byStory.get(r.story_id);
    if (list) list.push(event);
    else byStory.set(r.story_id, [event]);
  }
  let folded = 0;
  for (const events of byStory.values()) if (fold(events) !== null) folded += 1;
  return { events: rows.length, stories: folded };
}

/** Runs `work`, timing it and the CPU this process and PostgreSQL spent on it. */
async function timed<T>(work: () => Promise<T>) {
  const before = cpuSample(groups);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  return {
    result,
    seconds: Math.round(seconds * 1000) / 1000,
    cpuPercent: cpuPercent(before, cpuSample(groups)),
  };
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const pool = createPool(db.url, { poolSize: 4, applicationName: 'livefeed-bench-rebuild' });
  try {
    await prepareDatabase(db.url);
    const generated = Date.now();
    const events = await fillLog(pool, EVENTS, STORIES);
    console.log(
      `rebuild: ${events} events over ${STORIES} stories generated in ${Date.now() - generated} ms`,
    );
    await pool.query('SELECT sum(length(data::text)) FROM events'); // the log in PostgreSQL's cache for both

    const baseline = await timed(() => plainFold(pool));
    const rebuild = await timed(() => rebuildProjections(pool));
    const verify = await timed(() => rebuildProjections(pool, { verify: true }));
    if (rebuild.result.events !== events || verify.result.differences.length > 0) {
      throw new Error(
        `rebuild: folded ${rebuild.result.events} of ${events} events; verify found ${verify.result.differences.length} differences`,
      );
    }
    const perSec = (n: number, s: number) => Math.round(n / s);
    const result = {
      quick: QUICK,
      params: { events, stories: STORIES },
      baseline: {
        ...baseline,
        result: undefined,
        eventsPerSec: perSec(baseline.result.events, baseline.seconds),
      },
      rebuild: {
        ...rebuild,
        result: undefined,
        stories: rebuild.result.stories,
        eventsPerSec: perSec(rebuild.result.events, rebuild.seconds),
      },
      verify: {
        ...verify,
        result: undefined,
        eventsPerSec: perSec(verify.result.events, verify.seconds),
      },
    };
    const ratio = result.rebuild.eventsPerSec / result.baseline.eventsPerSec;
    const cpu = (c: Record<string, number>) =>
      Object.entries(c)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    const md = [
      `# bench/rebuild (${new Date().toISOString()})${QUICK ? ' `--quick`' : ''}`,
      '',
      `${events.toLocaleString('en')} events over ${STORIES} stories, generated with SQL.`,
      '',
      '| run | seconds | events/s | CPU, % of one core |',
      '| --- | --- | --- | --- |',
      `| baseline: one query + domain \`fold\` in memory (writes nothing) | ${baseline.seconds} | ${result.baseline.eventsPerSec.toLocaleString('en')} | ${cpu(baseline.cpuPercent)} |`,
      `| \`rebuildProjections(pool)\` (fresh tables, swapped in) | ${rebuild.seconds} | ${result.rebuild.eventsPerSec.toLocaleString('en')} (${(ratio * 100).toFixed(1)} % of baseline) | ${cpu(rebuild.cpuPercent)} |`,
      `| \`rebuildProjections(pool, { verify: true })\` (0 differences) | ${verify.seconds} | ${result.verify.eventsPerSec.toLocaleString('en')} | ${cpu(verify.cpuPercent)} |`,
      '',
    ].join('\n');
    writeReport('rebuild', result, md);
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
