import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoryEvent } from '@livefeed/domain';
import { AppFleet } from '../support/processes';
import { isolatedWorld } from '../support/livefeed';
import { filingSummary, runCli, summaryOf } from './cli.harness';

jest.setTimeout(180_000);

// A demo story played into one deployment, exported, and imported into a second one.
type World = Awaited<ReturnType<typeof isolatedWorld>>;
let source: World;
let target: World;
let dir: string;
const fleet = new AppFleet();
const storyId = 'replay-storm';

beforeAll(async () => {
  [source, target] = await Promise.all([isolatedWorld(), isolatedWorld()]);
  dir = await mkdtemp(path.join(tmpdir(), 'livefeed-cli-'));
  await Promise.all([fleet.start('ingest', source.env), fleet.start('ingest', target.env)]);
});
afterAll(async () => {
  await fleet.stopAll();
  await Promise.all([source?.close(), target?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const withoutRecordedAt = (events: readonly StoryEvent[]) =>
  events.map(({ recordedAt: _r, ...rest }) => rest);
const eventsOf = async (world: World) => (await world.store()).readEvents(storyId, 0, 10_000);

describe('demo', () => {
  it('plays the scripted story through ingest, every report accepted, and prints the reader page', async () => {
    const started = Date.now();
    const result = await runCli(['demo', '--pace', '500', '--story', storyId, '--json'], {
      ...source.env,
      GATEWAY_PORT: '3999',
    });
    expect(result.code).toBe(0);
    expect(summaryOf(result)).toEqual({ storyId, reports: 41 });
    expect(result.stderr).toContain(`reader page: http://127.0.0.1:3999/stories/${storyId}`);
    // The running commentary, one line per report, among the progress lines.
    expect(result.stderr).toMatch(/^ 1 story\.opened Storm Maren reaches Kelderwick$/m);
    expect(result.stderr).toMatch(/^41 story\.closed /m);
    expect(Date.now() - started).toBeLessThan(60_000);
    const events = await eventsOf(source);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    const types = new Set(events.map((e) => e.type));
    expect(types.size).toBe(10);
    const story = await (await source.store()).getStory(storyId);
    expect(story).toMatchObject({
      status: 'closed',
      title: expect.stringContaining('Storm Maren'),
    });
    await source.checkLog();
  });

  it('makes a new story each run unless one is given; played again into the same story, changes nothing', async () => {
    const fresh = await runCli(['demo', '--pace', '1000', '--json'], source.env);
    expect(fresh.code).toBe(0);
    expect(summaryOf(fresh)).toEqual({
      storyId: expect.stringMatching(/^storm-maren-[0-9a-f]{6}$/),
      reports: 41,
    });
    const before = await eventsOf(source);
    const again = await runCli(['demo', '--pace', '1000', '--story', storyId], source.env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`story ${storyId} exists already (version 41)`);
    expect(again.stdout).toBe(`demo story ${storyId}: 41 reports filed, 41 accepted\n`);
    expect(await eventsOf(source)).toEqual(before);
  });
});

describe('export, then import into another deployment', () => {
  let exported: string;

  it('exports the events in version order, to a file or to stdout, alike', async () => {
    const to = path.join(dir, 'storm.jsonl');
    const toFile = await runCli(['export', '--story', storyId, '--to', to, '--json'], source.env);
    expect(toFile.code).toBe(0);
    expect(summaryOf(toFile)).toEqual({ storyId, events: 41 });
    exported = await readFile(to, 'utf8');
    expect(
      exported
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(await eventsOf(source));
    expect(await readdir(dir)).toEqual(['storm.jsonl']); // nothing left aside

    const toStdout = await runCli(['export', '--story', storyId], source.env);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(exported);
    expect(toStdout.stderr).toContain(`exported 41 events of story ${storyId}`);
  });

  it('imports it as the reports the events came from: the same events and the same story', async () => {
    const file = path.join(dir, 'storm.jsonl');
    const result = await runCli(['import', file, '--json'], target.env);
    expect(result.code).toBe(0);
    expect(summaryOf(result)).toEqual(filingSummary(41));
    expect(withoutRecordedAt(await eventsOf(target))).toEqual(
      withoutRecordedAt(await eventsOf(source)),
    );
    expect(await (await target.store()).getStory(storyId)).toEqual(
      await (await source.store()).getStory(storyId),
    );
  });

  it('importing twice changes nothing: every report keeps its first outcome', async () => {
    const before = await eventsOf(target);
    const result = await runCli(['import', path.join(dir, 'storm.jsonl'), '--json'], target.env);
    expect(result.code).toBe(0);
    expect(summaryOf(result)).toEqual(filingSummary(41));
    expect(await eventsOf(target)).toEqual(before);
    await target.checkLog();
  });

  it('reports lines of an import that are no events by number, and files the rest', async () => {
    const lines = exported.trimEnd().split('\n');
    const damaged = [lines[0], '{"storyId": "x"}', 'garbage', ...lines.slice(1, 3)].join('\n');
    const file = path.join(dir, 'damaged.jsonl');
    await writeFile(file, damaged);
    const result = await runCli(['import', file, '--json'], target.env);
    expect(result.code).toBe(1);
    expect(summaryOf(result)).toEqual({
      published: 3,
      broken: [
        { line: 2, error: expect.stringContaining('not an event of an export') },
        { line: 3, error: expect.stringMatching(/^malformed JSON/) },
      ],
      accepted: 3,
      rejected: {},
      pending: 0,
    });
  });

  it('refuses an unknown story (exit 1) and a --to it cannot write (exit 2), leaving no file', async () => {
    const to = path.join(dir, 'nothing.jsonl');
    const unknown = await runCli(
      ['export', '--story', 'no-such-story', '--to', to, '--json'],
      source.env,
    );
    expect(unknown.code).toBe(1);
    expect(summaryOf(unknown)).toEqual({
      error: { code: 'failed', message: 'story no-such-story does not exist' },
    });
    expect(existsSync(to)).toBe(false);
    const nowhere = await runCli(
      ['export', '--story', storyId, '--to', path.join(dir, 'no/such/dir.jsonl')],
      source.env,
    );
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('its directory does not exist');
  });
});
