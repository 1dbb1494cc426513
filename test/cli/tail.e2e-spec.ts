import { expectEventually } from '@livefeed/common/testing';
import type { StoryEvent } from '@livefeed/domain';
import { AppFleet } from '../support/processes';
import { isolatedWorld, storyScript, type RawReport } from '../support/livefeed';
import { startCli, summaryOf, type CliProcess } from './cli.harness';

jest.setTimeout(120_000);

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
const fleet = new AppFleet();
const running: CliProcess[] = [];

beforeAll(async () => {
  world = await isolatedWorld();
  await fleet.start('ingest', world.env);
});
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});
afterAll(async () => {
  await fleet.stopAll();
  await world?.close();
});

const tail = (args: string[]) => {
  const cli = startCli(['tail', ...args], world.env);
  running.push(cli);
  return cli;
};
const events = (lines: string[]) => lines.map((l) => JSON.parse(l) as StoryEvent);
const versionsOf = (lines: string[]) => events(lines).map((e) => e.version);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const posts = (storyId: string, from: number, to: number): RawReport[] =>
  range(from, to).map((i) => ({
    id: `${storyId}-p${i}`,
    storyId,
    type: 'entry.posted',
    author: 'desk:tail',
    data: { entryId: `e${i}`, body: `<p>${i}</p>` },
  }));
const versionOf = async (storyId: string) =>
  Number(
    (
      await world.sql<{ v: number | null }>(
        'SELECT max(version) AS v FROM events WHERE story_id = $1',
        [storyId],
      )
    )[0].v ?? 0,
  );
const committed = (storyId: string, version: number) =>
  expectEventually(async () => expect(await versionOf(storyId)).toBe(version), {
    timeoutMs: 30_000,
  });

describe('tail --story', () => {
  it('prints history from --from, then live events while reports flow: gapless, no repeats, until Ctrl-C', async () => {
    const s = 'tail-flow';
    await world.publish(storyScript(s, 20));
    await committed(s, 21);
    const cli = tail(['--story', s, '--from', '5']);
    await cli.until((lines) => expect(versionsOf(lines)).toEqual(range(5, 21)));
    // Reports keep coming in bursts while the tail runs.
    for (let burst = 0; burst < 5; burst += 1) {
      await world.publish(posts(s, 21 + burst * 10, 30 + burst * 10));
      await cli.until((lines) => expect(versionsOf(lines).length).toBeGreaterThan(17 + burst * 5));
    }
    await committed(s, 71);
    await cli.until((lines) => expect(versionsOf(lines)).toEqual(range(5, 71)));
    const stored = await (await world.store()).readEvents(s, 4, 1000);
    expect(events(cli.lines)).toEqual(stored);
    cli.interrupt();
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(versionsOf(result.lines)).toEqual(range(5, 71));
  });

  it('starts at the head without --from, and ends with a count under --json', async () => {
    const s = 'tail-head';
    await world.publish(storyScript(s, 4));
    await committed(s, 5);
    const cli = tail(['--story', s, '--json']);
    await cli.until((lines) => expect(versionsOf(lines)).toEqual([5]));
    await world.publish(posts(s, 5, 6));
    await cli.until((lines) => expect(versionsOf(lines)).toEqual([5, 6, 7]));
    cli.interrupt();
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(summaryOf(result)).toEqual({ events: 3 });
  });

  it('waits for a story that does not exist yet, and prints it from version 1', async () => {
    const s = 'tail-later';
    const cli = tail(['--story', s]);
    await expectEventually(() => expect(cli.stderr).toContain(`story ${s} does not exist yet`), {
      timeoutMs: 30_000,
    });
    await world.publish(storyScript(s, 2));
    await cli.until((lines) => expect(versionsOf(lines)).toEqual([1, 2, 3]));
  });
});

describe('tail without --story', () => {
  it("prints every story's events in commit order while several stories are written at once", async () => {
    const [a, b, c] = ['tail-all-a', 'tail-all-b', 'tail-all-c'];
    await world.publish([...storyScript(a, 3), ...storyScript(b, 3)]);
    await committed(a, 4);
    await committed(b, 4);
    const log = async () =>
      world.sql<{ story_id: string; version: number }>(
        'SELECT story_id, version FROM events ORDER BY position',
      );
    const before = (await log()).length;
    const cli = tail(['--from', '1']);
    await cli.until((lines) => expect(lines.length).toBe(before));
    const flowing = [...storyScript(c, 15), ...posts(a, 4, 18), ...posts(b, 4, 18)];
    // Interleaved as desks file them, in several publishes.
    for (let i = 0; i < 4; i += 1) await world.publish(flowing.filter((_, j) => j % 4 === i));
    await committed(c, 16);
    await committed(a, 19);
    await committed(b, 19);
    const all = await log();
    await cli.until((lines) => expect(lines.length).toBe(all.length));
    expect(events(cli.lines).map((e) => [e.storyId, e.version])).toEqual(
      all.map((row) => [row.story_id, row.version]),
    );
    cli.interrupt();
    expect((await cli.exited).code).toBe(0);
  });

  it('starts at the head of the log without --from', async () => {
    const s = 'tail-all-head';
    await world.publish(storyScript(s, 1));
    await committed(s, 2);
    const cli = tail([]);
    await cli.until((lines) =>
      expect(events(lines).map((e) => [e.storyId, e.version])).toEqual([[s, 2]]),
    );
    await world.publish(posts(s, 2, 2));
    await cli.until((lines) =>
      expect(events(lines).map((e) => [e.storyId, e.version])).toEqual([
        [s, 2],
        [s, 3],
      ]),
    );
  });
});
