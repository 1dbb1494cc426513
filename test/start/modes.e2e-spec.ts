import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { subjectsFor } from '@livefeed/common';
import {
  dropTestDatabase,
  expectEventually,
  freePort,
  TEST_NATS_URL,
  uniqueDatabase,
  uniqueSubjectRoot,
} from '@livefeed/common/testing';
import {
  commandOf,
  expectAllGone,
  file,
  killAll,
  portIn,
  runStart,
  tempDataDir,
  TOKEN,
} from './start.harness';

// `npm start` with LIVEFEED_SERVICES=auto and external against the machine's own PostgreSQL and
// NATS (each test with a database and subject root of its own), and how it refuses bad usage.
jest.setTimeout(120_000);

const data = tempDataDir();
const started: number[] = [];
const databases: string[] = [];
const roots: string[] = [];
const cleanups: (() => void)[] = [];

afterAll(async () => {
  killAll(started);
  data.remove();
  for (const cleanup of cleanups) cleanup();
  for (const name of databases) await dropTestDatabase(name).catch(() => undefined);
  const nc = await connect({ servers: TEST_NATS_URL });
  const jsm = await jetstreamManager(nc);
  for (const root of roots) {
    const { reportsStream, eventsStream } = subjectsFor(root);
    for (const stream of [reportsStream, eventsStream])
      await jsm.streams.delete(stream).catch(() => false);
  }
  await nc.close();
});

/** The machine's services, isolated: a database and a subject root of this test's own. */
function machineServices(): Record<string, string> {
  const db = uniqueDatabase();
  databases.push(db.name);
  const root = uniqueSubjectRoot();
  roots.push(root);
  return {
    DATABASE_URL: db.url,
    NATS_URL: TEST_NATS_URL,
    LIVEFEED_SUBJECT_ROOT: root,
    LIVEFEED_DATA_DIR: data.dir,
    LIVEFEED_PUBLISH_TOKENS: TOKEN,
    GATEWAY_PORT: '0',
    INGEST_PORT: '0',
  };
}

/** The machine's nats-server (Debian puts it in /usr/sbin, which is not on every PATH). */
function natsServer(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/bin'];
  const found = dirs.map((d) => path.join(d, 'nats-server')).find((f) => existsSync(f));
  if (!found) throw new Error('this test needs a nats-server on PATH or in /usr/sbin');
  return found;
}

/** A postgres:// URL where nothing listens (a port just found free). */
async function deadDatabaseUrl(): Promise<string> {
  return `postgres://postgres:hunter2@127.0.0.1:${await freePort()}/livefeed`;
}

describe('LIVEFEED_SERVICES=auto', () => {
  it('uses the PostgreSQL and NATS that answer and starts nothing of its own', async () => {
    const env = machineServices();
    const run = runStart({ ...env, LIVEFEED_SERVICES: 'auto' }, ['--verbose']);
    await run.up();
    const tree = run.tree();
    started.push(...tree);
    expect(run.stderr).toMatch(
      /PostgreSQL\s+external\s+postgres:\/\/postgres@127\.0\.0\.1:5432\/livefeed_test_/,
    );
    expect(run.stderr).toMatch(/NATS\s+external\s+nats:\/\/127\.0\.0\.1:4222/);
    expect(run.stderr).not.toContain('started here');
    // Nothing started here: not a development machine, so no demo story is filed into it.
    expect(run.stderr).not.toContain('demo story');
    const commands = tree.slice(1).map(commandOf);
    expect(commands.filter((c) => /postgres|nats-server/.test(c))).toEqual([]);
    expect(commands.filter((c) => c.includes('main.js'))).toHaveLength(2);
    expect(existsSync(path.join(data.dir, 'postgres'))).toBe(false);
    expect(existsSync(path.join(data.dir, 'nats'))).toBe(false);
    // --verbose: the apps' JSON logs on stdout, as well as in their files.
    expect(run.stdout).toContain('"msg":"listening"');
    expect(readFileSync(path.join(data.dir, 'logs', 'gateway.log'), 'utf8')).toContain(
      '"msg":"listening"',
    );

    const opened = await file(portIn(run.stderr, 'console'), 'auto-story', {
      id: 'auto-open',
      type: 'story.opened',
      author: 'desk:auto',
      data: { title: 'On the machine services' },
    });
    expect(opened).toEqual({
      status: 201,
      body: { reportId: 'auto-open', status: 'accepted', version: 1 },
    });
    expect(await run.interrupt()).toBe(0);
    await expectAllGone(tree);
  });

  it('starts its own PostgreSQL, saying so, when the configured one does not answer', async () => {
    const own = tempDataDir();
    cleanups.push(own.remove);
    const dead = await deadDatabaseUrl();
    const run = runStart({ ...machineServices(), LIVEFEED_DATA_DIR: own.dir, DATABASE_URL: dead });
    await run.up();
    const tree = run.tree();
    started.push(...tree);
    const port = new URL(dead).port;
    expect(run.stderr).toContain(
      `PostgreSQL at 127.0.0.1:${port} did not answer (connection refused)`,
    );
    expect(run.stderr).toContain('starting one here');
    expect(run.stderr).not.toContain('hunter2');
    expect(run.stderr).toMatch(/PostgreSQL\s+started here/);
    expect(run.stderr).toMatch(/NATS\s+external\s+nats:\/\/127\.0\.0\.1:4222/);
    expect(tree.map(commandOf).filter((c) => c.includes('nats-server'))).toEqual([]);
    expect(await run.interrupt()).toBe(0);
    await expectAllGone(tree);
  });
});

describe('LIVEFEED_SERVICES=external', () => {
  it('fails at once, naming the PostgreSQL that did not answer and its address', async () => {
    const dead = await deadDatabaseUrl();
    const at = Date.now();
    const run = runStart({
      ...machineServices(),
      LIVEFEED_SERVICES: 'external',
      DATABASE_URL: dead,
    });
    expect(await run.exited).toBe(1);
    expect(Date.now() - at).toBeLessThan(10_000);
    const port = new URL(dead).port;
    expect(run.stderr).toContain(
      `PostgreSQL at 127.0.0.1:${port} did not answer (connection refused)`,
    );
    expect(run.stderr).toContain('postgres://postgres:***@127.0.0.1');
    expect(run.stderr).not.toContain('hunter2');
    expect(run.stderr).toContain('LIVEFEED_SERVICES=external starts nothing of its own');
    expect(run.stderr).not.toMatch(/NATS at/);
  });

  it('names NATS too when nothing, or something else, answers at its address', async () => {
    const run = runStart({
      ...machineServices(),
      LIVEFEED_SERVICES: 'external',
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    });
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/NATS at 127\.0\.0\.1:\d+ did not answer \(connection refused\)/);
    expect(run.stderr).not.toMatch(/PostgreSQL at/);
    // Something that is not NATS at the NATS address: the machine's PostgreSQL, which waits.
    const wrong = runStart({
      ...machineServices(),
      LIVEFEED_SERVICES: 'external',
      NATS_URL: '127.0.0.1:5432',
    });
    expect(await wrong.exited).toBe(1);
    expect(wrong.stderr).toContain('NATS at 127.0.0.1:5432 did not answer (no answer within 2 s)');
  });

  it('names a NATS that answers without JetStream', async () => {
    const port = await freePort();
    const plain = spawn(natsServer(), ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      await expectEventually(async () => {
        const s = await new Promise<net.Socket>((resolve, reject) =>
          net
            .connect(port, '127.0.0.1')
            .once('connect', function (this: net.Socket) {
              resolve(this);
            })
            .once('error', reject),
        );
        s.destroy();
      });
      const run = runStart({
        ...machineServices(),
        LIVEFEED_SERVICES: 'external',
        NATS_URL: `127.0.0.1:${port}`,
      });
      expect(await run.exited).toBe(1);
      expect(run.stderr).toContain(`NATS at 127.0.0.1:${port} answers, but without JetStream`);
    } finally {
      plain.kill('SIGKILL');
    }
  });
});

describe('npm start refuses what it cannot do, saying why', () => {
  it.each([
    [
      { LIVEFEED_SERVICES: 'sometimes' },
      [],
      'LIVEFEED_SERVICES must be one of auto, local, external (got "sometimes")',
    ],
    [{ LIVEFEED_SERVICES: 'LOCAL' }, [], 'LIVEFEED_SERVICES must be one of auto, local, external'],
    [{ DATABASE_URL: 'mysql://127.0.0.1/livefeed' }, [], 'DATABASE_URL must be a postgres:// URL'],
    [{ DATABASE_URL: 'postgres://127.0.0.1:99999/x' }, [], 'DATABASE_URL'],
    [{ NATS_URL: 'http://127.0.0.1:4222' }, [], 'NATS_URL entries must be nats:// or tls://'],
    [{}, ['--frobnicate'], 'unknown argument "--frobnicate"'],
    [{ LIVEFEED_DEMO: 'yes' }, [], 'LIVEFEED_DEMO must be one of auto, on, off (got "yes")'],
  ])('exits 2 on bad usage: %j %j', async (env, args, message) => {
    const run = runStart({ LIVEFEED_DATA_DIR: data.dir, ...env }, args);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('says how to install nats-server when there is none, and starts nothing', async () => {
    const dir = tempDataDir();
    try {
      const run = runStart({
        LIVEFEED_SERVICES: 'local',
        LIVEFEED_DATA_DIR: dir.dir,
        LIVEFEED_NATS_SERVER: path.join(dir.dir, 'no-such-nats-server'),
      });
      expect(await run.exited).toBe(1);
      expect(run.stderr).toMatch(
        /apt-get install nats-server|brew install nats-server|docs\.nats\.io/,
      );
      expect(run.stderr).toContain('docker compose up');
      expect(existsSync(path.join(dir.dir, 'postgres'))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('leaves alone a data directory that holds something other than a cluster', async () => {
    const dir = tempDataDir();
    try {
      mkdirSync(path.join(dir.dir, 'postgres'));
      chmodSync(path.join(dir.dir, 'postgres'), 0o777);
      writeFileSync(path.join(dir.dir, 'postgres', 'notes.txt'), 'mine');
      const run = runStart({ LIVEFEED_SERVICES: 'local', LIVEFEED_DATA_DIR: dir.dir });
      expect(await run.exited).toBe(1);
      expect(run.stderr).toContain('initdb failed');
      expect(run.stderr).toContain('exists but is not empty');
      expect(readFileSync(path.join(dir.dir, 'postgres', 'notes.txt'), 'utf8')).toBe('mine');
      expect(run.stderr).not.toContain('livefeed is up');
    } finally {
      dir.remove();
    }
  });

  it('shows why an app stopped at start, and stops the rest', async () => {
    const run = runStart({ ...machineServices(), LIVEFEED_SUBJECT_ROOT: 'Not A Root' });
    expect(await run.exited).toBe(1);
    expect(run.stderr).toContain('LIVEFEED_SUBJECT_ROOT: must be a lower-case NATS token');
    expect(run.stderr).toMatch(/(ingest|gateway) stopped unexpectedly \(exit code 1\)/);
    expect(run.stderr).toContain(path.join(data.dir, 'logs'));
  });
});
