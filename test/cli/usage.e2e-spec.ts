import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, summaryOf } from './cli.harness';

jest.setTimeout(60_000);

// Usage is checked before anything is opened: none of these needs NATS or PostgreSQL.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'livefeed-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('--help', () => {
  it('lists every command, the environment and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['publish', 'export', 'import', 'tail', 'demo', 'rebuild'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('LIVEFEED_SUBJECT_ROOT');
    expect(result.stdout).toContain('Exit codes: 0 success, 1 the work failed');
    expect(result.stderr).toBe('');
  });

  it.each([
    ['publish', ['<file.jsonl>', '--rate <n/s>', '--wait <s>', '--json']],
    ['export', ['--story <id>', '--to <file>', '--json']],
    ['import', ['<file.jsonl>', '--wait <s>', '--json']],
    ['tail', ['--story <id>', '--from <version>', '--json']],
    ['demo', ['--pace <speedup>', '--story <id>', '--json']],
    ['rebuild', ['--story <id>', '--verify', '--json']],
  ])('explains %s and its options', async (command, options) => {
    for (const args of [
      [command, '--help'],
      ['help', command],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: livefeed ${command} `));
      for (const option of options) expect(result.stdout).toContain(option);
    }
  });
});

describe('bad usage exits 2 with a message', () => {
  it.each([
    [[], /Usage: livefeed/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['publish'], /missing required argument 'file.jsonl'/],
    [['publish', 'a.jsonl', 'b.jsonl'], /too many arguments/],
    [['publish', 'a.jsonl', '--bogus'], /unknown option '--bogus'/],
    [
      ['publish', 'a.jsonl', '--rate', '0'],
      /'--rate <n\/s>' argument '0' is invalid. must be a positive number/,
    ],
    [['publish', 'a.jsonl', '--rate', 'fast'], /must be a positive number/],
    [['publish', 'a.jsonl', '--rate'], /argument missing/],
    [['publish', 'a.jsonl', '--wait', '-1'], /must be a number of seconds/],
    [['import'], /missing required argument 'file.jsonl'/],
    [['import', 'a.jsonl', '--rate', '5'], /unknown option '--rate'/],
    [['export'], /required option '--story <id>' not specified/],
    [['export', '--story', 'Not.A.Story'], /must be a story id/],
    [['export', '--story', 'ok', '--to'], /argument missing/],
    [['export', '--story', 'ok', '--to', ''], /must be a file path/],
    [['tail', '--from', '0'], /must be a whole number, 1 or more/],
    [['tail', '--from', 'head'], /must be a whole number/],
    [['tail', '--story', '../etc'], /must be a story id/],
    [['demo', '--pace', '-3'], /must be a positive number/],
    [['demo', '--story', 'UPPER'], /must be a story id/],
    [['rebuild', '--story', 'a b'], /must be a story id/],
    [['rebuild', '--verify', 'extra'], /too many arguments/],
  ])('livefeed %j', async (args, message) => {
    const result = await runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('names a file that cannot be read', async () => {
    const missing = await runCli(['publish', path.join(dir, 'missing.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.jsonl: no such file');
    const directory = await runCli(['import', dir, '--json']);
    expect(directory.code).toBe(2);
    expect(summaryOf(directory)).toEqual({
      error: { code: 'usage', message: `cannot read ${dir}: it is a directory` },
    });
  });

  it('names every bad variable of the environment', async () => {
    const result = await runCli(['export', '--story', 'x', '--json'], {
      DATABASE_URL: 'mysql://db/x',
      LIVEFEED_SUBJECT_ROOT: 'Bad.Root',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(result.stderr).toMatch(/LIVEFEED_SUBJECT_ROOT: must be a lower-case NATS token/);
    expect(summaryOf(result)).toEqual({
      error: { code: 'usage', message: expect.stringContaining('DATABASE_URL') },
    });
  });
});
