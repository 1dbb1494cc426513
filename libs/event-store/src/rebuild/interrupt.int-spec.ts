import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { expectEventually } from '@livefeed/common/testing';
import { rebuildProjections, runRebuild } from './projections.rebuild';
import type { RebuildProgress } from './rebuild.types';
import {
  expectProjectionIsTheFold,
  freshTables,
  liveTableOids,
  projectionRows,
  useRebuildTestbed,
} from './testing/rebuild.fixture';

const ROOT = path.resolve(__dirname, '../../../..');

const bed = useRebuildTestbed('cut', 10, 14_000, 9);

/** Asserts that the live tables are the very ones from before, rows and all, and nothing is left aside. */
async function expectUntouched(oids: readonly number[]): Promise<void> {
  expect(await liveTableOids(bed.t.dataSource)).toEqual(oids);
  expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
}

describe('an interrupted rebuild', () => {
  it.each<[RebuildProgress['phase'], boolean]>([
    ['copy', false],
    ['catch-up', false],
    ['swap', false],
    ['verify', true],
  ])(
    'aborted in the %s phase leaves the live projection untouched and drops its fresh tables',
    async (phase, verify) => {
      const oids = await liveTableOids(bed.t.dataSource);
      const controller = new AbortController();
      const phases: string[] = [];
      const rebuilding = rebuildProjections(bed.pool, {
        verify,
        signal: controller.signal,
        onProgress: (p) => {
          phases.push(p.phase);
          if (p.phase === phase) controller.abort();
        },
      });
      await expect(rebuilding).rejects.toMatchObject({ name: 'AbortError' });

      expect(phases.at(-1)).toBe(phase);
      await expectUntouched(oids);
      expect(await freshTables(bed.t.dataSource)).toEqual([]);
      // And the lock went with it: the next rebuild runs.
      expect((await rebuildProjections(bed.pool, { verify: true })).differences).toEqual([]);
    },
    60_000,
  );

  it('killed (SIGKILL) mid-copy leaves the live projection untouched; the next run drops what it left and succeeds', async () => {
    const oids = await liveTableOids(bed.t.dataSource);
    // The child slows itself down at each progress report, so that the kill lands in the copy.
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        '-e',
        `const { createPool, rebuildProjections } = require('./libs/event-store/src');
         const pool = createPool(${JSON.stringify(bed.t.url)});
         rebuildProjections(pool, { onProgress: (p) => {
           console.log(JSON.stringify(p));
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
         } }).then(() => console.log('"finished"'));`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const p = JSON.parse(line) as RebuildProgress | string;
        if (typeof p === 'object' && p.phase === 'copy' && p.events > 0) resolve();
        if (typeof p !== 'object' || p.phase !== 'copy')
          reject(new Error(`not killed mid-copy: ${lines}`));
      });
      void exited.then(() => reject(new Error(`exited before the copy: ${lines}`)));
    });
    child.kill('SIGKILL');
    await exited;

    expect(await freshTables(bed.t.dataSource)).toEqual([
      'entries_rebuild',
      'figure_claims_rebuild',
      'figures_rebuild',
      'stories_rebuild',
    ]);
    await expectUntouched(oids);
    // PostgreSQL ends the killed process's session (and its lock) once it sees the socket closed.
    await expectEventually(async () => {
      const [{ n }] = await bed.t.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'livefeed rebuild'`,
      );
      expect(n).toBe(0);
    });

    const rerun = await rebuildProjections(bed.pool);
    expect(rerun.swapped).toBe(true);
    expect(await freshTables(bed.t.dataSource)).toEqual([]);
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
    await expectProjectionIsTheFold(bed.t);
  }, 90_000);

  it('refuses a second rebuild while one runs, naming the backend that runs it', async () => {
    let release!: () => void;
    let running!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (running = resolve));
    const first = runRebuild(
      bed.pool,
      {},
      {
        beforeSwapCommit: async () => {
          running();
          await held;
        },
      },
    );
    await started;
    try {
      await expect(rebuildProjections(bed.pool, { verify: true })).rejects.toThrow(
        /^rebuild: another rebuild is running on this database \(PostgreSQL backend \d+\)/,
      );
      await expect(rebuildProjections(bed.pool, { storyId: 'cut-1' })).rejects.toThrow(
        /another rebuild is running/,
      );
    } finally {
      release();
    }
    expect((await first).swapped).toBe(true);
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
  }, 60_000);
});

describe('a long transaction holding the live tables', () => {
  /** A transaction that read `stories` and stays open: what a forgotten psql session does. */
  async function holdStories() {
    const runner = bed.t.dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query('SELECT 1 FROM stories LIMIT 1');
    return { release: () => runner.commitTransaction().then(() => runner.release()) };
  }

  it('makes the swap wait a little at a time, catching up in between, and swap once it ends', async () => {
    const blocker = await holdStories();
    const phases: string[] = [];
    let released: Promise<void> | undefined;
    const result = await rebuildProjections(bed.pool, {
      onProgress: (p) => {
        phases.push(p.phase);
        // The second try at the swap: the first gave up on the lock.
        if (phases.filter((x) => x === 'swap').length === 2) released ??= blocker.release();
      },
    });
    await released;

    expect(result.swapped).toBe(true);
    expect(phases.filter((p, i) => p !== phases[i - 1])).toEqual([
      'copy',
      'catch-up',
      'swap',
      'catch-up',
      'swap',
    ]);
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
  }, 60_000);

  it('makes the rebuild give up after a few tries, leaving the live projection untouched', async () => {
    const oids = await liveTableOids(bed.t.dataSource);
    const blocker = await holdStories();
    try {
      await expect(rebuildProjections(bed.pool)).rejects.toThrow(
        'rebuild: the live projection tables stayed locked (5 tries of 2000 ms: a long transaction holds them); they are unchanged',
      );
    } finally {
      await blocker.release();
    }
    await expectUntouched(oids);
    expect(await freshTables(bed.t.dataSource)).toEqual([]);
  }, 60_000);
});
