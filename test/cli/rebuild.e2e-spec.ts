import { AppFleet } from '../support/processes';
import { isolatedWorld } from '../support/livefeed';
import { runCli, summaryOf } from './cli.harness';

jest.setTimeout(180_000);

// `livefeed rebuild` against a deployment whose ingest keeps running: verify finds a damaged
// projection row and names it, rebuild repairs it, and afterwards the projection is the fold of the log.
type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
const fleet = new AppFleet();
const storyId = 'rebuild-storm';

beforeAll(async () => {
  world = await isolatedWorld();
  await fleet.start('ingest', world.env);
  const demo = await runCli(['demo', '--pace', '1000', '--story', storyId, '--json'], world.env);
  expect(demo.code).toBe(0);
});
afterAll(async () => {
  await fleet.stopAll();
  await world?.close();
});

describe('rebuild', () => {
  it('--verify finds nothing on a sound projection, and exits 0', async () => {
    const result = await runCli(['rebuild', '--verify', '--json'], world.env);
    expect(result.code).toBe(0);
    expect(summaryOf(result)).toEqual({ stories: 1, events: 41, swapped: false, differences: [] });
  });

  it('--verify names each difference of a damaged projection and exits 1, changing nothing', async () => {
    await world.sql(`UPDATE stories SET title = 'vandalised' WHERE id = $1`, [storyId]);
    const result = await runCli(['rebuild', '--verify', '--json'], world.env);
    expect(result.code).toBe(1);
    expect(summaryOf(result)).toMatchObject({
      swapped: false,
      differences: [{ storyId, what: expect.stringContaining('title') }],
    });
    const [row] = await world.sql<{ title: string }>('SELECT title FROM stories WHERE id = $1', [
      storyId,
    ]);
    expect(row.title).toBe('vandalised');
  });

  it('rebuilds the one story asked for, then the whole log, and the projection is the fold again', async () => {
    const one = await runCli(['rebuild', '--story', storyId, '--json'], world.env);
    expect(one.code).toBe(0);
    expect(summaryOf(one)).toMatchObject({ stories: 1, events: 41, swapped: true });
    await world.checkLog();

    const all = await runCli(['rebuild', '--json'], world.env);
    expect(all.code).toBe(0);
    expect(summaryOf(all)).toEqual({ stories: 1, events: 41, swapped: true, differences: [] });
    expect(all.stderr).toMatch(/swap/);
    await world.checkLog();
  });

  it('says so and exits 1 for a story that has no log', async () => {
    const result = await runCli(['rebuild', '--story', 'no-such-story', '--json'], world.env);
    expect(result.code).toBe(1);
    expect(summaryOf(result)).toMatchObject({
      error: { message: expect.stringContaining('no-such-story') },
    });
  });
});
