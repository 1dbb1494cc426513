/**
 * bench/ingest — sustained ingest throughput and publish-to-commit latency of the real ingest
 * app, beside a baseline measured in the same run: the same rows appended to PostgreSQL with
 * plain multi-row INSERTs.
 *
 *   npm run build && npx tsx bench/ingest/ingest.bench.ts [--reports=50000] [--stories=500] [--rate=1000] [--seconds=10] [--shared=20000]
 *   (INGEST_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the ingest process)
 *
 * "Commit" is observed as the event's arrival on `<root>.events.<story>`, which the ingest app
 * publishes right after the PostgreSQL commit, so latencies here include that publish.
 *
 * Last, `--shared` reports (0: skipped) at full speed through two ingest processes sharing the durable
 * consumer, for information: how a second process changes a backlog's throughput on these 2 cores.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { createTestDatabase } from '@livefeed/common/testing';
import { PipelinedPublisher } from '@livefeed/messaging';
import { type AppProcess, startApp } from '../../test/support/processes';
import { summarise } from '../lib/stats';
import { arg, writeReport } from '../lib/report';
import { cpuLine, cpuPercent, cpuSample, pidsNamed, type CpuGroups } from '../lib/cpu';
import { benchNats } from '../lib/nats';

const N = arg('reports', 50_000);
const M = arg('stories', 500);
const RATE = arg('rate', 1_000);
const RATE_SECONDS = arg('seconds', 10);
const SHARED = arg('shared', 20_000);
const enc = new TextEncoder();

interface Rpt {
  id: string;
  storyId: string;
  bytes: Uint8Array;
}

function makeReports(prefix: string, count: number, stories: number): Rpt[] {
  const out: Rpt[] = [];
  const body =
    '<p>Shelling reported overnight near the river crossing; residents sheltered in basements.</p>';
  for (let i = 0; i < count; i++) {
    const s = i % stories;
    const round = Math.floor(i / stories);
    const storyId = `${prefix}-s${s}`;
    const id = `${prefix}-${i}`;
    const report =
      round === 0
        ? { id, storyId, type: 'story.opened', author: 'desk:bench', data: { title: `Story ${s}` } }
        : round % 10 === 5
          ? {
              id,
              storyId,
              type: 'figure.reported',
              author: 'desk:bench',
              data: {
                figureId: 'deaths',
                label: 'Killed',
                value: round,
                source: { name: `src${round % 3}` },
              },
            }
          : {
              id,
              storyId,
              type: 'entry.posted',
              author: 'desk:bench',
              data: { entryId: `e${round}`, body },
            };
    out.push({ id, storyId, bytes: enc.encode(JSON.stringify(report)) });
  }
  return out;
}

async function baselineInserts(url: string, reports: Rpt[]): Promise<number> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  await pg.query(`CREATE TABLE baseline_events (position bigserial PRIMARY KEY, story_id text NOT NULL,
    version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, report_id text NOT NULL UNIQUE,
    author text NOT NULL, occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,
    UNIQUE (story_id, version))`);
  const versions = new Map<string, number>();
  const rows = reports.map((r) => {
    const parsed = JSON.parse(Buffer.from(r.bytes).toString()) as {
      type: string;
      data: unknown;
      author: string;
    };
    const v = (versions.get(r.storyId) ?? 0) + 1;
    versions.set(r.storyId, v);
    return [r.storyId, v, parsed.type, JSON.stringify(parsed.data), r.id, parsed.author];
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const cols = (k: number) => chunk.map((row) => row[k]);
    await pg.query(
      `INSERT INTO baseline_events (story_id, version, type, data, report_id, author, occurred_at, recorded_at)
       SELECT s, v, t, d::jsonb, r, a, now(), now()
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(s, v, t, d, r, a)`,
      [cols(0), cols(1), cols(2), cols(3), cols(4), cols(5)],
    );
  }
  const seconds = (performance.now() - started) / 1000;
  await pg.end();
  return rows.length / seconds;
}

/** Times each report from publish to its event's arrival. */
class Watch {
  readonly sent = new Map<string, number>();
  readonly latencies: number[] = [];
  lastArrival = 0;
  private readonly subscription: Subscription;
  constructor(nc: NatsConnection, root: string) {
    this.subscription = nc.subscribe(`${root}.events.>`, {
      callback: (_err: Error | null, msg: Msg) => {
        const now = performance.now();
        const { reportId } = msg.json<{ reportId: string }>();
        const t = this.sent.get(reportId);
        if (t === undefined) return;
        this.sent.delete(reportId);
        this.latencies.push(now - t);
        this.lastArrival = now;
      },
    });
  }
  async done(expected: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.latencies.length < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    if (this.latencies.length < expected)
      throw new Error(`only ${this.latencies.length}/${expected} events arrived`);
    this.subscription.unsubscribe();
  }
}

async function publishAll(
  nc: NatsConnection,
  root: string,
  reports: Rpt[],
  watch: Watch,
  ratePerSec?: number,
) {
  // The lightest publisher there is, so the bench measures ingest rather than its own client.
  const js = new PipelinedPublisher(nc);
  const inflight = new Set<Promise<unknown>>();
  const started = performance.now();
  for (let i = 0; i < reports.length; i++) {
    const r = reports[i];
    if (ratePerSec) {
      const due = started + (i * 1000) / ratePerSec;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    }
    watch.sent.set(r.id, performance.now());
    const p = js.publish(`${root}.reports.${r.storyId}`, r.bytes, r.id);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 2000) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  js.close();
  return started;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const db = await createTestDatabase();
  const root = `bench${randomBytes(3).toString('hex')}`;
  const nats = await benchNats();
  const nc = await connect({ servers: nats.url });
  const ingest = await startApp(
    'ingest',
    {
      DATABASE_URL: db.url,
      LIVEFEED_SUBJECT_ROOT: root,
      NATS_URL: nats.url,
    },
    { execArgv: process.env.INGEST_NODE_ARGS?.split(' ').filter(Boolean) ?? [] },
  );
  let second: AppProcess | undefined;
  try {
    const prefix = randomBytes(3).toString('hex');
    const fullSpeed = makeReports(`f${prefix}`, N, M);
    const baseline = await baselineInserts(db.url, fullSpeed);

    // Full speed: every report published as fast as JetStream acks them.
    const groups: CpuGroups = {
      ingest: () => [ingest.child.pid ?? 0, ...(second ? [second.child.pid ?? 0] : [])],
      postgres: () => pidsNamed('postgres'),
      nats: () => nats.pids(),
    };
    const fullRun = async (reports: Rpt[]) => {
      const watch = new Watch(nc, root);
      const cpuBefore = cpuSample(groups);
      const t0 = await publishAll(nc, root, reports, watch);
      await watch.done(reports.length, 300_000);
      const cpu = cpuPercent(cpuBefore, cpuSample(groups));
      return { watch, cpu, throughput: reports.length / ((watch.lastArrival - t0) / 1000) };
    };
    const { watch: w1, cpu, throughput } = await fullRun(fullSpeed);

    // Fixed rate, to read latency without a backlog (right after the bulk load: autovacuum may run).

    const rateReports = makeReports(
      `r${prefix}`,
      RATE * RATE_SECONDS,
      Math.min(M, RATE * RATE_SECONDS),
    );
    const w2 = new Watch(nc, root);
    const cpuBeforeRate = cpuSample(groups);
    await publishAll(nc, root, rateReports, w2, RATE);
    await w2.done(rateReports.length, 120_000);
    const cpuAtRate = cpuPercent(cpuBeforeRate, cpuSample(groups));

    // Two processes on the one durable consumer: each sees only part of the stream, so the filing
    // gate looks at the stream for most reports (docs/architecture.md, "Several ingest processes").
    let shared: { reportsPerSec: number; cpuPercent: Record<string, number> } | undefined;
    if (SHARED > 0) {
      second = await startApp('ingest', {
        DATABASE_URL: db.url,
        LIVEFEED_SUBJECT_ROOT: root,
        NATS_URL: nats.url,
      });
      const run = await fullRun(makeReports(`s${prefix}`, SHARED, M));
      shared = { reportsPerSec: Math.round(run.throughput), cpuPercent: run.cpu };
    }

    const full = summarise(w1.latencies);
    const fixed = summarise(w2.latencies);
    const result = {
      machine: { cores: cpus().length, node: process.version, nats: nats.label },
      params: { reports: N, stories: M, rate: RATE, rateSeconds: RATE_SECONDS, batch: 500 },
      baselineInsertRowsPerSec: Math.round(baseline),
      fullSpeed: { reportsPerSec: Math.round(throughput), latencyMs: full, cpuPercent: cpu },
      fixedRate: {
        ratePerSec: RATE,
        latencyMs: fixed,
        cpuPercent: cpuAtRate,
      },
      ...(shared ? { sharedConsumer: { processes: 2, reports: SHARED, ...shared } } : {}),
      ratioToBaseline: Math.round((throughput / baseline) * 1000) / 1000,
      targets: {
        reportsPerSec: { target: 12_000, met: throughput >= 12_000 },
        ratioToBaseline: { target: 0.35, met: throughput / baseline >= 0.35 },
        p99AtFixedRateMs: { target: 25, met: fixed.p99 <= 25 },
      },
    };
    const md = [
      `# bench/ingest (${new Date().toISOString()})`,
      '',
      `${N} reports across ${M} stories; fixed rate ${RATE}/s for ${RATE_SECONDS} s; ${result.machine.cores} cores; load average at start ${loadAtStart}; NATS: ${nats.label}.`,
      '',
      '| measure | value | target |',
      '| --- | --- | --- |',
      `| baseline: plain multi-row INSERT | ${result.baselineInsertRowsPerSec} rows/s | |`,
      `| ingest sustained (first publish → last commit) | ${result.fullSpeed.reportsPerSec} reports/s | ≥ 12,000 ${result.targets.reportsPerSec.met ? '✓' : '✗'} |`,
      `| ratio to baseline | ${(result.ratioToBaseline * 100).toFixed(1)} % | ≥ 35 % ${result.targets.ratioToBaseline.met ? '✓' : '✗'} |`,
      `| full speed publish→commit p50 / p99 | ${full.p50} / ${full.p99} ms | (backlog) |`,
      `| full speed CPU, % of one core (bench = the publisher) | ${cpuLine(cpu)} | (info) |`,
      `| ${RATE}/s publish→commit p50 / p99 / max | ${fixed.p50} / ${fixed.p99} / ${fixed.max} ms | p99 ≤ 25 ms ${result.targets.p99AtFixedRateMs.met ? '✓' : '✗'} |`,
      `| ${RATE}/s CPU, % of one core | ${cpuLine(cpuAtRate)} | (info) |`,
      ...(shared
        ? [
            `| two ingest processes on one consumer, ${SHARED} reports at full speed | ${shared.reportsPerSec} reports/s | (info) |`,
            `| two processes: CPU, % of one core (ingest = both) | ${cpuLine(shared.cpuPercent)} | (info) |`,
          ]
        : []),
      '',
    ].join('\n');
    writeReport('ingest', result, md);
  } finally {
    await ingest.stop();
    await second?.stop();
    await nc.drain();
    await db.drop();
    await nats.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
