import { jetstream } from '@nats-io/jetstream';
import { expectEventually } from '@livefeed/common/testing';
import { AppFleet, type AppProcess } from '../support/processes';
import { isolatedWorld } from '../support/livefeed';
import { fuzzReport, type FuzzReport } from '../support/fuzz.arbitraries';
import {
  errorLines,
  expectAlive,
  fuzzSuite,
  inParallel,
  sampleCases,
  scaled,
} from '../support/hostile';

/**
 * Reports published to JetStream as raw bytes, most of them hostile (docs/security.md, "What the
 * fuzzer covers"). Every one must get exactly one outcome: under its own id when its text starts with
 * a well-formed one, else as `seq:<n>`; accepted ones exactly one event, rejected ones none; and
 * ingest must stay up without logging an error.
 */
const CASES = fuzzSuite(0.5, 4);

let world: Awaited<ReturnType<typeof isolatedWorld>>;
const fleet = new AppFleet();
let ingest: AppProcess;
const STORIES = ['fz-0', 'fz-1', 'fz-2', 'fz-3', 'fz-4'];
/** Subjects beyond the opened stories: unknown, malformed, or with more tokens than one. */
const SUBJECTS = [...STORIES, 'fz-unknown', 'Not_A_Story', 'a'.repeat(80), 'extra.fz-0', '_'];

beforeAll(async () => {
  world = await isolatedWorld();
  ingest = await fleet.start('ingest', world.env);
});
afterAll(async () => {
  await fleet.stopAll();
  await world?.close();
});

interface Published {
  readonly report: FuzzReport;
  readonly seq: number;
  /** The id its outcome must be recorded under. */
  readonly key: string;
}

async function publishAll(reports: readonly FuzzReport[]): Promise<Published[]> {
  const js = jetstream(world.nc);
  const published: Published[] = new Array<Published>(reports.length);
  await inParallel(reports, 64, async (report, i) => {
    const ack = await js.publish(world.subjects.reports(report.storyId), report.bytes, {
      ...(report.msgId && report.id ? { msgID: report.id } : {}),
    });
    published[i] = { report, seq: ack.seq, key: report.id ?? `seq:${ack.seq}` };
  });
  return published;
}

it(`decides each of ${CASES} hostile reports exactly once, and ingest stays up`, async () => {
  // Stories and entries for the plausible reports to land on.
  const setup: FuzzReport[] = STORIES.flatMap((storyId, s) => [
    json(storyId, {
      id: `setup-${s}`,
      storyId,
      type: 'story.opened',
      author: 'desk:fuzz',
      data: { title: storyId },
    }),
    ...[0, 1, 2, 3, 4].map((e) =>
      json(storyId, {
        id: `setup-${s}-e${e}`,
        storyId,
        type: 'entry.posted',
        author: 'desk:fuzz',
        data: { entryId: `e${e}`, body: `<p>entry ${e}</p>` },
      }),
    ),
  ]);
  // Report ids that are also the names of Object.prototype's properties.
  const prototypeIds = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'].map(
    (id) =>
      json('fz-0', {
        id,
        storyId: 'fz-0',
        type: 'entry.posted',
        author: 'desk:fuzz',
        data: { entryId: `proto-${id}`, body: '<p>x</p>' },
      }),
  );
  const makers = sampleCases('fuzz-reports', fuzzReport(SUBJECTS), CASES);
  const fuzzed = makers.map((make, i) => make(`fz-${i}`));

  const started = Date.now();
  const all = [...(await publishAll(setup)), ...(await publishAll([...prototypeIds, ...fuzzed]))];
  const keys = all.map((p) => p.key);
  expect(new Set(keys).size).toBe(keys.length);

  await expectEventually(
    async () => expect(await world.outcomeCount()).toBeGreaterThanOrEqual(keys.length),
    { timeoutMs: scaled(60_000, CASES, 3), intervalMs: 500 },
  );
  const decidedMs = Date.now() - started;

  const outcomes = await world.sql<{ report_id: string; status: string; code: string | null }>(
    'SELECT report_id, status, code FROM report_outcomes',
  );
  const byKey = new Map(outcomes.map((o) => [o.report_id, o]));
  const missing = all.filter((p) => !byKey.has(p.key)).map(describe);
  expect(missing.slice(0, 10)).toEqual([]);
  // Nothing decided under an id that was not expected: every outcome is one report's.
  expect(outcomes.length).toBe(keys.length);

  const accepted = outcomes.filter((o) => o.status === 'accepted').map((o) => o.report_id);
  const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => o.report_id);
  const events = await world.sql<{ report_id: string; n: number }>(
    'SELECT report_id, count(*)::int AS n FROM events GROUP BY report_id',
  );
  const eventsOf = new Map(events.map((e) => [e.report_id, e.n]));
  expect(accepted.filter((id) => eventsOf.get(id) !== 1)).toEqual([]);
  expect(rejected.filter((id) => eventsOf.has(id))).toEqual([]);
  expect(events.length).toBe(accepted.length);
  // A report without a usable id can only be invalid.
  const anonymous = outcomes.filter((o) => o.report_id.startsWith('seq:'));
  expect(anonymous.filter((o) => o.code !== 'invalid')).toEqual([]);
  await world.checkLog();

  await expectAlive(ingest);
  expect(errorLines(ingest)).toEqual([]);

  const codes = new Map<string, number>();
  for (const o of outcomes)
    codes.set(o.code ?? 'accepted', (codes.get(o.code ?? 'accepted') ?? 0) + 1);
  console.log(
    `fuzz-reports: ${keys.length} reports decided in ${decidedMs} ms, ${anonymous.length} as seq:<n>; ` +
      `outcomes ${JSON.stringify(Object.fromEntries(codes))}; 0 crashes, 0 error logs`,
  );
});

function json(storyId: string, report: { id: string } & Record<string, unknown>): FuzzReport {
  return { storyId, id: report.id, msgId: true, bytes: Buffer.from(JSON.stringify(report)) };
}

function describe(p: Published): string {
  const text = Buffer.from(p.report.bytes).toString('utf8');
  return `${p.key} on ${p.report.storyId}: ${text.slice(0, 300)}${text.length > 300 ? '…' : ''}`;
}
