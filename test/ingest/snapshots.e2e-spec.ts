import { expectEventually } from '@livefeed/common/testing';
import { fold } from '@livefeed/domain';
import { type AppProcess, startApp } from '../support/processes';
import { isolatedWorld, storyScript, workload } from '../support/livefeed';

jest.setTimeout(60_000);

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
let ingest: AppProcess;

beforeAll(async () => {
  world = await isolatedWorld();
  ingest = await startApp('ingest', { ...world.env, LIVEFEED_SNAPSHOT_EVERY: '10' });
});
afterAll(async () => {
  await ingest?.stop();
  await world?.close();
});

const snapshotsOf = (prefix: string) =>
  world.sql<{ story_id: string; version: number; base_version: number; state: unknown }>(
    `SELECT story_id, version, base_version, state FROM story_snapshots
      WHERE story_id LIKE $1 ORDER BY story_id, version`,
    [`${prefix}%`],
  );

describe('the snapshot writer', () => {
  it('stores each story every N events after the commits, each the fold of the log so far', async () => {
    // Three stories of 45 events each, filed interleaved, and one of 9 that never reaches N.
    await world.publish([...workload('snap', 3, 45), ...storyScript('snap-short', 8)]);
    await expectEventually(async () => expect(await world.outcomeCount()).toBe(3 * 45 + 9), {
      timeoutMs: 30_000,
    });
    const rows = await expectEventually(
      async () => {
        const rows = await snapshotsOf('snap');
        expect(rows).toHaveLength(3 * 4);
        return rows;
      },
      { timeoutMs: 30_000 },
    );
    const store = await world.store();
    for (const row of rows) {
      const log = await store.readEvents(row.story_id, 0, row.version);
      expect(row.state).toEqual(fold(log));
      expect(row.base_version).toBe(row.version - 10);
    }
    expect(rows.map((r) => `${r.story_id}@${r.version}`)).toEqual(
      ['snap-0', 'snap-1', 'snap-2'].flatMap((s) => [10, 20, 30, 40].map((v) => `${s}@${v}`)),
    );
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/^livefeed_snapshots_written_total 12$/m);
  });
});
