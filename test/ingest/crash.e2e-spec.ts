import type { Msg } from '@nats-io/nats-core';
import { expectEventually } from '@livefeed/common/testing';
import { AppFleet, type AppProcess } from '../support/processes';
import { isolatedWorld, type RawReport, workload } from '../support/livefeed';

jest.setTimeout(180_000);

let world: Awaited<ReturnType<typeof isolatedWorld>>;
const fleet = new AppFleet();
const seenVersions = new Map<string, Set<number>>();

beforeAll(async () => {
  world = await isolatedWorld();
  world.nc.subscribe(world.subjects.eventsAll, {
    callback: (_e: Error | null, m: Msg) => {
      const { storyId, version } = m.json<{ storyId: string; version: number }>();
      const set = seenVersions.get(storyId) ?? new Set<number>();
      set.add(version);
      seenVersions.set(storyId, set);
    },
  });
});
afterEach(() => fleet.stopAll());
afterAll(async () => {
  await world?.close();
});

async function ingest(env: Record<string, string> = {}): Promise<AppProcess> {
  // A shorter ack wait than the default: what a killed worker held comes back sooner.
  return fleet.start('ingest', { ...world.env, LIVEFEED_ACK_WAIT_MS: '3000', ...env });
}

async function outcomesFor(prefix: string): Promise<number> {
  const rows = await world.sql<{ n: string }>(
    `SELECT count(*) AS n FROM report_outcomes WHERE story_id LIKE $1`,
    [`${prefix}-%`],
  );
  return Number(rows[0].n);
}

async function expectComplete(prefix: string, filedReports: readonly RawReport[]): Promise<void> {
  const reports = filedReports.length;
  const stories = new Set(filedReports.map((r) => r.storyId)).size;
  await expectEventually(async () => expect(await outcomesFor(prefix)).toBe(reports), {
    timeoutMs: 120_000,
  });
  const rows = await world.sql<{ n: string; r: string }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'rejected') AS r FROM report_outcomes WHERE story_id LIKE $1`,
    [`${prefix}-%`],
  );
  expect(Number(rows[0].r)).toBe(0);
  const events = await world.sql<{ n: string }>(
    `SELECT count(*) AS n FROM events WHERE story_id LIKE $1`,
    [`${prefix}-%`],
  );
  expect(Number(events[0].n)).toBe(reports);
  await world.checkLog();
  // Every committed version also reached the events stream (re-published after a crash).
  await expectEventually(() => {
    let seen = 0;
    for (const [story, versions] of seenVersions)
      if (story.startsWith(`${prefix}-`)) seen += versions.size;
    expect(seen).toBe(reports);
  });
  expect([...seenVersions.keys()].filter((k) => k.startsWith(`${prefix}-`))).toHaveLength(stories);
  await world.expectFilingOrder(`${prefix}-`, filedReports);
}

describe('an ingest process killed with SIGKILL in the middle of 5,000 reports', () => {
  it('loses none and duplicates none once restarted', async () => {
    const reports = workload('kill', 50, 100);
    const first = await ingest();
    // The second half is filed while the worker is dead, so the kill always lands mid-stream.
    await world.publish(reports.slice(0, 2500));
    await expectEventually(async () => expect(await outcomesFor('kill')).toBeGreaterThan(500), {
      timeoutMs: 60_000,
    });
    first.kill('SIGKILL');
    await first.exited;
    await world.publish(reports.slice(2500));
    expect(await outcomesFor('kill')).toBeLessThan(5000);
    await ingest();
    await expectComplete('kill', reports);
  });
});

describe.each(['after-decide', 'after-append', 'after-commit', 'after-publish'])(
  'a crash at the %s seam',
  (point) => {
    it('is recovered exactly once by the next process', async () => {
      const prefix = `fp${point.replace(/[^a-z]/g, '')}`;
      const reports = workload(prefix, 10, 60);
      const crashing = await ingest({
        LIVEFEED_FAILPOINTS: `${point}@1`,
        LIVEFEED_INGEST_BATCH: '50',
      });
      await world.publish(reports);
      expect(await crashing.exited).toBeNull();
      await ingest();
      await expectComplete(prefix, reports);
    });
  },
);

describe('two ingest processes on the same consumer', () => {
  it('keep 5,000 reports across 50 stories gapless and free of duplicates', async () => {
    const reports = workload('pair', 50, 100);
    await Promise.all([
      ingest({ LIVEFEED_INGEST_BATCH: '100' }),
      ingest({ LIVEFEED_INGEST_BATCH: '100' }),
    ]);
    await world.publish(reports);
    await expectComplete('pair', reports);
  });
});

describe('one ingest process committing on several lanes at once', () => {
  it("gives each story's reports their versions in the order they were filed", async () => {
    const reports = workload('lanes', 40, 60);
    await ingest({ LIVEFEED_INGEST_LANES: '4', LIVEFEED_INGEST_BATCH: '200' });
    await world.publish(reports);
    await expectComplete('lanes', reports);
  });
});

describe('a worker paused (SIGSTOP) past ack_wait while its twin takes over', () => {
  it('lets the unique constraints stop every duplicate', async () => {
    const reports = workload('stall', 20, 50);
    const env = { LIVEFEED_ACK_WAIT_MS: '1000', LIVEFEED_INGEST_BATCH: '100' };
    const stalled = await ingest(env);
    await world.publish(reports);
    await expectEventually(async () => expect(await outcomesFor('stall')).toBeGreaterThan(0), {
      timeoutMs: 30_000,
    });
    stalled.kill('SIGSTOP');
    const twin = await ingest(env);
    // The twin finishes what it can; stories whose locks the stalled worker holds wait for it.
    await expectEventually(
      async () => {
        const m = await fetch(`${twin.url}/metrics`).then((r) => r.text());
        expect(Number(/livefeed_reports_received_total (\d+)/.exec(m)?.[1] ?? 0)).toBeGreaterThan(
          0,
        );
      },
      { timeoutMs: 30_000 },
    );
    stalled.kill('SIGCONT');
    await expectComplete('stall', reports);
  });
});
