import { readFileSync } from 'node:fs';
import type { StoryState } from '@livefeed/client';
import { expectEventually } from '@livefeed/common/testing';
import { type Follower, Followers, range, versionsHeld } from '../support/followers';
import { isolatedWorld, type RawReport, storyScript } from '../support/livefeed';
import { type AppProcess, startApp, stopAll } from '../support/processes';
import { RoundRobinProxy } from '../support/round-robin-proxy';

/**
 * Failover of the live push, with the real processes: one ingest, gateways started, killed and
 * restarted, real NATS and PostgreSQL, and readers on the subscriber SDK.
 */
jest.setTimeout(90_000);

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
let ingest: AppProcess;
let gatewayA: AppProcess;
let gatewayB: AppProcess;
const processes: AppProcess[] = [];
const followers = new Followers();
let proxy: RoundRobinProxy | undefined;

const ioOptions = {
  transports: ['websocket'],
  reconnectionDelay: 100,
  reconnectionDelayMax: 500,
  forceNew: true,
};

async function gateway(env: Record<string, string> = {}): Promise<AppProcess> {
  const p = await startApp('gateway', { ...world.env, ...env });
  processes.push(p);
  return p;
}

const follow = (url: string, storyId: string): Follower =>
  followers.follow(url, storyId, ioOptions);

async function committedVersion(storyId: string): Promise<number> {
  const rows = await world.sql<{ v: number | null }>(
    'SELECT max(version)::int AS v FROM events WHERE story_id = $1',
    [storyId],
  );
  return rows[0]?.v ?? 0;
}

async function commit(reports: readonly RawReport[], storyId: string, version: number) {
  await world.publish(reports);
  await expectEventually(async () => expect(await committedVersion(storyId)).toBe(version), {
    timeoutMs: 20_000,
  });
}

async function restState(base: string, storyId: string): Promise<StoryState> {
  const res = await fetch(`${base}/api/stories/${storyId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as StoryState;
}

/** Listening IPv4 sockets on `port`, as the kernel counts them (/proc/net/tcp, state 0A). */
function listeningSockets(port: number): number {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, address, , state]) => address?.endsWith(local) && state === '0A').length;
}

beforeAll(async () => {
  world = await isolatedWorld();
  ingest = await startApp('ingest', world.env);
  processes.push(ingest);
  [gatewayA, gatewayB] = await Promise.all([gateway(), gateway()]);
});

afterAll(async () => {
  followers.closeAll();
  await proxy?.close();
  await stopAll(processes.splice(0));
  await world?.close();
});

describe('gateway failover (real ingest, two gateway processes, NATS, PostgreSQL)', () => {
  it('listens with 16 sockets on each gateway port by default, with 1 when told', async () => {
    // Node accepts one connection per listening socket and loop turn (libs/common/src/http/listen.ts).
    expect([listeningSockets(gatewayA.port), listeningSockets(gatewayB.port)]).toEqual([16, 16]);
    const single = await gateway({ LIVEFEED_GATEWAY_LISTENERS: '1' });
    expect(listeningSockets(single.port)).toBe(1);
    expect((await fetch(`${single.url}/health`)).status).toBe(200);
    await single.stop();
  });

  it('hands clients on two gateways identical version sequences for the same burst', async () => {
    const storyId = 'twins';
    const script = storyScript(storyId, 40);
    await commit(script.slice(0, 1), storyId, 1);
    const onA = Array.from({ length: 3 }, () => follow(gatewayA.url, storyId));
    const onB = Array.from({ length: 3 }, () => follow(gatewayB.url, storyId));
    await expectEventually(() => {
      for (const f of [...onA, ...onB]) expect([f.sub.status, f.sub.version]).toEqual(['live', 1]);
    });

    await world.publish(script.slice(1)); // one burst of 40 posts
    await expectEventually(
      () => {
        for (const f of [...onA, ...onB]) expect(f.sub.version).toBe(41);
      },
      { timeoutMs: 20_000 },
    );
    const sequences = [...onA, ...onB].map((f) => f.log.map((m) => `${m.kind}:${m.version}`));
    const expected = ['snapshot:1', ...range(2, 41).map((v) => `event:${v}`)];
    for (const sequence of sequences) expect(sequence).toEqual(expected);
    const rest = await restState(gatewayB.url, storyId);
    expect(await restState(gatewayA.url, storyId)).toEqual(rest);
    for (const f of [...onA, ...onB]) expect(f.sub.state).toEqual(rest);
    for (const f of [...onA, ...onB]) f.client.close();
  });

  it('keeps 500 clients gapless when one of two gateways is SIGKILLed mid-stream', async () => {
    const storyId = 'failover';
    const posts = 60;
    const final = posts + 1;
    const script = storyScript(storyId, posts);
    await commit(script.slice(0, 1), storyId, 1);

    proxy = new RoundRobinProxy([gatewayA.port, gatewayB.port]);
    await proxy.start();
    const readers = Array.from({ length: 500 }, () => follow(proxy!.url, storyId));
    await expectEventually(
      () => {
        for (const f of readers) expect([f.sub.status, f.sub.version]).toEqual(['live', 1]);
      },
      { timeoutMs: 30_000 },
    );
    // Both gateways serve a share of the readers.
    expect(proxy.routed.get(gatewayA.port)).toBeGreaterThanOrEqual(200);
    expect(proxy.routed.get(gatewayB.port)).toBeGreaterThanOrEqual(200);

    const batch = 5;
    for (let from = 1; from <= posts; from += batch) {
      const reports = script.slice(from, from + batch);
      if (from === 21) {
        // Mid-stream: the batch is on its way while gateway B dies without a word.
        await world.publish(reports);
        gatewayB.kill('SIGKILL');
        await gatewayB.exited;
        await expectEventually(
          async () => expect(await committedVersion(storyId)).toBe(from + reports.length),
          { timeoutMs: 20_000 },
        );
      } else await commit(reports, storyId, from + reports.length);
    }

    await expectEventually(
      () => {
        const behind = readers.filter((f) => f.sub.version !== final);
        expect(behind.map((f) => [f.sub.status, f.sub.version]).slice(0, 5)).toEqual([]);
      },
      { timeoutMs: 30_000 },
    );
    const rest = await restState(gatewayA.url, storyId);
    expect(rest.version).toBe(final);
    const expected = range(1, final);
    const wrong = readers.filter((f) => {
      const held = versionsHeld(f);
      return held.length !== expected.length || held.some((v, i) => v !== expected[i]);
    });
    expect(wrong.slice(0, 3).map((f) => f.log)).toEqual([]);
    // Only one snapshot each (the first): resumes are short catch-ups, sent as events.
    expect(readers.filter((f) => f.log.filter((m) => m.kind === 'snapshot').length !== 1)).toEqual(
      [],
    );
    for (const f of readers) expect(f.sub.state).toEqual(rest);
    // The readers of the dead gateway did go offline and come back.
    const failedOver = readers.filter((f) => f.statuses.includes('offline')).length;
    expect(failedOver).toBeGreaterThanOrEqual(200);
    expect(readers.flatMap((f) => f.errors.map((e) => e.code))).toEqual([]);

    for (const f of readers) f.client.close();
    await proxy.close();
  });

  it('resumes an SDK client across a gateway restart on the same port', async () => {
    const storyId = 'restart';
    const script = storyScript(storyId, 20);
    await commit(script.slice(0, 6), storyId, 6);
    const first = await gateway();
    const reader = follow(first.url, storyId);
    await expectEventually(() =>
      expect([reader.sub.status, reader.sub.version]).toEqual(['live', 6]),
    );

    await first.stop();
    await expectEventually(() => expect(reader.sub.status).toBe('offline'));
    const heldBeforeOutage = reader.log.length;
    await commit(script.slice(6, 16), storyId, 16); // committed while no gateway runs

    const second = await gateway({ GATEWAY_PORT: String(first.port) });
    expect(second.port).toBe(first.port);
    await expectEventually(
      () => expect([reader.sub.status, reader.sub.version]).toEqual(['live', 16]),
      {
        timeoutMs: 20_000,
      },
    );
    // Exactly what it missed, as events.
    expect(reader.log.slice(heldBeforeOutage)).toEqual(
      range(7, 16).map((version) => ({ kind: 'event', version })),
    );

    await commit(script.slice(16), storyId, 21);
    await expectEventually(() => expect(reader.sub.version).toBe(21));
    expect(versionsHeld(reader)).toEqual(range(1, 21));
    expect(reader.sub.state).toEqual(await restState(second.url, storyId));
    expect(reader.errors).toEqual([]);
    reader.client.close();
  });
});
