import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { expectEventually, freePort, uniqueSubjectRoot } from '@livefeed/common/testing';
import {
  commandOf,
  expectAllGone,
  file,
  isRunning,
  killAll,
  portIn,
  runStart,
  servicePids,
  type StartRun,
  tempDataDir,
  TOKEN,
} from './start.harness';

// `npm start` with LIVEFEED_SERVICES=local: its own PostgreSQL and NATS, kept in one data
// directory across the runs of this file (each test starts where the one before it left off).
jest.setTimeout(180_000);

const data = tempDataDir();
const started: number[] = [];
let env: Record<string, string>;
let gatewayPort: number;
let ingestPort: number;
const STORY = 'start-story';

beforeAll(async () => {
  gatewayPort = await freePort();
  ingestPort = await freePort();
  env = {
    LIVEFEED_SERVICES: 'local',
    LIVEFEED_DATA_DIR: data.dir,
    LIVEFEED_SUBJECT_ROOT: uniqueSubjectRoot(),
    LIVEFEED_PUBLISH_TOKENS: TOKEN,
    GATEWAY_PORT: String(gatewayPort),
    INGEST_PORT: String(ingestPort),
  };
});
afterAll(() => {
  killAll(started);
  data.remove();
});

async function up(): Promise<StartRun> {
  const run = runStart(env);
  await run.up();
  started.push(...run.tree());
  return run;
}

async function storyEntries(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${gatewayPort}/api/stories/${STORY}`);
  expect(res.status).toBe(200);
  const story = (await res.json()) as { entries: { entryId: string }[] };
  return story.entries.map((e) => e.entryId);
}

/** SIGKILLs `pids` at once, as a crash or an OOM kill would. */
function crash(pids: readonly number[]): void {
  for (const pid of pids) process.kill(pid, 'SIGKILL');
}

describe('npm start with LIVEFEED_SERVICES=local', () => {
  it('starts its own PostgreSQL and NATS, and a report filed over HTTP reaches a reader', async () => {
    const run = await up();
    const block = run.stderr;
    expect(block).toMatch(
      /PostgreSQL\s+started here\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/livefeed/,
    );
    expect(block).toMatch(/NATS\s+started here\s+nats:\/\/127\.0\.0\.1:\d+/);
    expect(block).toContain(path.join(data.dir, 'postgres'));
    expect(block).toContain(path.join(data.dir, 'nats'));
    expect(block).toContain('development default');
    expect(portIn(block, 'stories')).toBe(gatewayPort);
    expect(block).toContain(`http://localhost:${ingestPort}/console`);
    // A development machine gets the demo story, playing: its first reports are in the read API.
    const demo = /demo story\s+http:\/\/localhost:\d+\/stories\/(storm-maren-[0-9a-f]{6})/.exec(
      block,
    );
    expect(demo).not.toBeNull();
    await expectEventually(
      async () => {
        const res = await fetch(`http://127.0.0.1:${gatewayPort}/api/stories/${demo![1]}`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { version: number }).version).toBeGreaterThanOrEqual(1);
      },
      { timeoutMs: 20_000 },
    );
    // The apps' JSON logs went to their files, not to the terminal.
    expect(run.stdout).toBe('');
    const { postgres, nats } = servicePids(data.dir);
    expect(commandOf(postgres!)).toContain(`-D ${path.join(data.dir, 'postgres')}`);
    expect(commandOf(nats!)).toContain(`-sd ${path.join(data.dir, 'nats')}`);
    expect(commandOf(postgres!)).not.toContain('-p 5432 ');

    expect(
      await file(ingestPort, STORY, {
        id: 'start-open',
        type: 'story.opened',
        author: 'desk:start',
        data: { title: 'Started by npm start' },
      }),
    ).toEqual({ status: 201, body: { reportId: 'start-open', status: 'accepted', version: 1 } });
    const reader: Socket = io(`http://127.0.0.1:${gatewayPort}`, { transports: ['websocket'] });
    try {
      const versions: number[] = [];
      reader.on('event', (e: { version: number }) => versions.push(e.version));
      const ack = (await reader
        .timeout(10_000)
        .emitWithAck('subscribe', { storyId: STORY, since: 1 })) as { ok: boolean };
      expect(ack).toMatchObject({ ok: true, version: 1 });
      const posted = await file(ingestPort, STORY, {
        id: 'start-e1',
        type: 'entry.posted',
        author: 'desk:start',
        data: { entryId: 'e1', body: '<p>Filed through the write API.</p>' },
      });
      expect(posted).toEqual({
        status: 201,
        body: { reportId: 'start-e1', status: 'accepted', version: 2 },
      });
      await expectEventually(() => expect(versions).toEqual([2]));
    } finally {
      reader.close();
    }

    const tree = run.tree();
    expect(tree).toEqual(expect.arrayContaining([postgres, nats]));
    expect(await run.interrupt()).toBe(0);
    await expectAllGone(tree);
    expect(servicePids(data.dir).postgres).toBeUndefined(); // a clean shutdown removes it
  });

  it('keeps the data: a second start has the story, without initialising again; SIGTERM stops it', async () => {
    const run = await up();
    expect(run.stderr).not.toContain('initialising');
    expect(await storyEntries()).toEqual(['e1']);
    const tree = run.tree();
    expect(await run.interrupt('SIGTERM')).toBe(0);
    await expectAllGone(tree);
  });

  it('stops everything it started when the start script is SIGKILLed, and starts again after', async () => {
    const run = await up();
    const tree = run.tree();
    crash([run.pid]);
    await expectAllGone(tree); // its reaper stopped the apps, then PostgreSQL and NATS

    const again = await up();
    expect(again.stderr).not.toContain('did not stop cleanly');
    expect(await storyEntries()).toEqual(['e1']);
    const next = again.tree();
    expect(await again.interrupt()).toBe(0);
    await expectAllGone(next);
  });

  it('recovers the stale postmaster.pid when everything was SIGKILLed at once', async () => {
    const run = await up();
    const tree = run.tree();
    const { postgres } = servicePids(data.dir);
    crash(tree);
    await expectAllGone(tree);
    expect(servicePids(data.dir).postgres).toBe(postgres); // left behind, naming a dead pid

    const again = await up();
    expect(again.stderr).toContain(`its PostgreSQL pid ${postgres} is gone`);
    expect(await storyEntries()).toEqual(['e1']);
    const next = again.tree();
    expect(await again.interrupt()).toBe(0);
    await expectAllGone(next);
  });

  it('stops the PostgreSQL and nats-server a killed run left running before it starts its own', async () => {
    const run = await up();
    const { postgres, nats } = servicePids(data.dir);
    // Everything but the servers dies: the start script, its reaper and the apps.
    const tree = run.tree();
    const reaper = tree.filter((pid) => commandOf(pid).includes('start-reaper'));
    const apps = tree.filter((pid) => /main\.js|scripts\/start\.js/.test(commandOf(pid)));
    crash([...reaper, ...apps]); // the reaper first, or it would stop the servers itself
    await expectAllGone([...reaper, ...apps]);
    expect(isRunning(postgres!)).toBe(true);
    expect(isRunning(nats!)).toBe(true);

    const again = await up();
    expect(again.stderr).toContain(
      `stopping the PostgreSQL an earlier run left running (pid ${postgres})`,
    );
    expect(again.stderr).toContain(
      `stopping the nats-server an earlier run left running (pid ${nats})`,
    );
    expect(isRunning(postgres!)).toBe(false);
    expect(isRunning(nats!)).toBe(false);
    expect(await storyEntries()).toEqual(['e1']);
    const next = again.tree();
    expect(await again.interrupt()).toBe(0);
    await expectAllGone([...tree, ...next]);
  });

  it('removes a postmaster.pid that names a pid now running another program', async () => {
    // This very test process stands in for the program that got the old postmaster's pid.
    writeFileSync(
      path.join(data.dir, 'postgres', 'postmaster.pid'),
      `${process.pid}\n${path.join(data.dir, 'postgres')}\n`,
    );
    const run = await up();
    expect(run.stderr).toContain(`its PostgreSQL pid ${process.pid} is now another program`);
    expect(await storyEntries()).toEqual(['e1']);
    const tree = run.tree();
    expect(await run.interrupt()).toBe(0);
    await expectAllGone(tree);
  });
});
