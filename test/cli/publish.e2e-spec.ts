import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectEventually } from '@livefeed/common/testing';
import { AppFleet } from '../support/processes';
import { isolatedWorld } from '../support/livefeed';
import { filingSummary, jsonl, runCli, startCli, summaryOf } from './cli.harness';

jest.setTimeout(120_000);

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
let dir: string;
const fleet = new AppFleet();

beforeAll(async () => {
  world = await isolatedWorld();
  dir = await mkdtemp(path.join(tmpdir(), 'livefeed-cli-'));
  await fleet.start('ingest', world.env);
});
afterAll(async () => {
  await fleet.stopAll();
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

const file = async (name: string, content: string) => {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
};
const report = (storyId: string, id: string, type: string, data: object) => ({
  id,
  storyId,
  type,
  author: 'desk:cli-test',
  data,
});
const eventCount = async (storyId: string) =>
  Number(
    (
      await world.sql<{ n: string }>('SELECT count(*) AS n FROM events WHERE story_id = $1', [
        storyId,
      ])
    )[0].n,
  );

describe('publish', () => {
  const s = 'cli-mixed';
  const mixed = jsonl([
    report(s, 'mx-open', 'story.opened', { title: 'Mixed' }),
    report(s, 'mx-post', 'entry.posted', { entryId: 'e1', body: '<p>one</p>' }),
    '{"id": "mx-broken", "storyId": ',
    { id: 'mx-nostory', type: 'story.opened', author: 'a', data: { title: 'T' } },
    report(s, 'mx-pin', 'entry.pinned', { entryId: 'e9' }),
    '',
    report(s, 'mx-again', 'story.opened', { title: 'Again' }),
    report(s, 'mx-dup-entry', 'entry.posted', { entryId: 'e1', body: '<p>two</p>' }),
    report(s, 'mx-post', 'entry.posted', { entryId: 'e2', body: '<p>same id as line 2</p>' }),
    report(s, 'mx-empty', 'entry.posted', { entryId: 'e3', body: '<script>alert(1)</script>' }),
    report(s, 'mx-typo', 'entry.postd', { entryId: 'e4', body: '<p>x</p>' }),
  ]);
  const expected = {
    published: 7,
    broken: [
      { line: 3, error: expect.stringMatching(/^malformed JSON/) },
      { line: 4, error: 'storyId: is required' },
      {
        line: 11,
        error: expect.stringMatching(/^type: unknown type "entry.postd"; valid types are/),
      },
    ],
    accepted: 3,
    rejected: { 'entry-exists': 1, invalid: 1, 'story-exists': 1, 'unknown-entry': 1 },
    pending: 0,
  };

  it('files good lines, reports broken ones by number, and counts every outcome; a broken line is exit 1', async () => {
    const mixedFile = await file('mixed.jsonl', mixed);
    const result = await runCli(['publish', mixedFile, '--json'], world.env);
    expect(result.code).toBe(1);
    expect(summaryOf(result)).toEqual(expected);
    expect(result.lines).toHaveLength(1);
    // Not on a terminal: plain progress lines on stderr, the last one complete.
    expect(result.stderr).toMatch(/^publish: published 7\/7 reports, decided 7\/7 reports$/m);
    expect(await eventCount(s)).toBe(2);
  });

  it('publishing the same file again adds nothing: every line keeps its first outcome', async () => {
    const mixedFile = await file('mixed-again.jsonl', mixed);
    const result = await runCli(['publish', mixedFile, '--json'], world.env);
    expect(result.code).toBe(1);
    expect(summaryOf(result)).toEqual(expected);
    expect(await eventCount(s)).toBe(2);
    await world.checkLog();
  });

  it('exits 0 when every line was published and decided, rejections included, with a summary for people', async () => {
    const clean = await file(
      'clean.jsonl',
      jsonl([
        report('cli-clean', 'cl-1', 'story.opened', { title: 'Clean' }),
        report('cli-clean', 'cl-2', 'story.closed', {}),
        report('cli-clean', 'cl-3', 'entry.posted', { entryId: 'e1', body: '<p>late</p>' }),
      ]),
    );
    const result = await runCli(['publish', clean], world.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'published 3 reports: 2 accepted, 1 rejected (story-closed 1), 0 pending\n',
    );
  });

  it('reads standard input for -, and keeps to --rate', async () => {
    const lines = Array.from({ length: 6 }, (_, i) =>
      i === 0
        ? report('cli-rate', 'rt-0', 'story.opened', { title: 'Rate' })
        : report('cli-rate', `rt-${i}`, 'entry.posted', { entryId: `e${i}`, body: `<p>${i}</p>` }),
    );
    const started = Date.now();
    const result = await runCli(['publish', '-', '--rate', '10', '--json'], world.env, {
      stdin: jsonl(lines),
    });
    expect(result.code).toBe(0);
    // Line i goes at i/rate seconds: the last of six at 0.5 s at the earliest.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(summaryOf(result)).toEqual(filingSummary(6));
  });

  it('says what is still pending at the deadline, and exits 1, when no ingest decides', async () => {
    const idle = await isolatedWorld();
    try {
      await idle.store(); // migrated, but no ingest runs on it
      const lonely = await file(
        'lonely.jsonl',
        jsonl([report('cli-lonely', 'ln-1', 'story.opened', { title: 'T' })]),
      );
      const result = await runCli(['publish', lonely, '--wait', '0.5', '--json'], idle.env);
      expect(result.code).toBe(1);
      expect(summaryOf(result)).toEqual(filingSummary(1, { accepted: 0, pending: 1 }));
      expect(result.stderr).toContain('still undecided');
    } finally {
      await idle.close();
    }
  });

  it('stops cleanly on Ctrl-C and still prints what it did', async () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      i === 0
        ? report('cli-stop', 'st-0', 'story.opened', { title: 'Stop' })
        : report('cli-stop', `st-${i}`, 'entry.posted', { entryId: `e${i}`, body: `<p>${i}</p>` }),
    );
    const cli = startCli(
      ['publish', await file('stop.jsonl', jsonl(many)), '--rate', '20', '--json'],
      world.env,
    );
    await expectEventually(
      async () => expect(await eventCount('cli-stop')).toBeGreaterThanOrEqual(3),
      {
        timeoutMs: 30_000,
      },
    );
    cli.interrupt();
    const result = await cli.exited;
    expect(result.code).toBe(1);
    const summary = summaryOf(result) as { published: number; accepted: number; pending: number };
    expect(summary.published).toBeGreaterThanOrEqual(3);
    expect(summary.published).toBeLessThan(200);
    expect(summary.accepted + summary.pending).toBe(summary.published);
    expect(result.stderr).toContain('stopping');
    // Whatever was published is decided all the same.
    await expectEventually(async () =>
      expect(await eventCount('cli-stop')).toBe(summary.published),
    );
  });

  it('names an unreachable NATS or PostgreSQL and exits 1', async () => {
    const lonely = await file(
      'x.jsonl',
      jsonl([report('cli-x', 'x-1', 'story.opened', { title: 'T' })]),
    );
    const noNats = await runCli(['publish', lonely, '--json'], {
      ...world.env,
      NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(noNats.code).toBe(1);
    expect(summaryOf(noNats)).toEqual({
      error: {
        code: 'failed',
        message: expect.stringContaining('cannot reach NATS at nats://127.0.0.1:1'),
      },
    });
    const noDb = await runCli(['publish', lonely], {
      ...world.env,
      DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/none',
    });
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toContain(
      'cannot use PostgreSQL at postgres://postgres:***@127.0.0.1:1/none',
    );
    expect(noDb.stderr).not.toContain('secret');
  });
});
