import type { StoryState } from '@livefeed/client';
import { expectEventually } from '@livefeed/common/testing';
import { type Follower, Followers, range, versionsHeld } from '../support/followers';
import { isolatedWorld, type RawReport, storyScript } from '../support/livefeed';
import { type AppProcess, startApp, stopAll } from '../support/processes';
import { RoundRobinProxy } from '../support/round-robin-proxy';

/**
 * The SDK as shipped (its default transports and reconnection settings) behind a plain round-robin
 * TCP balancer with no sticky sessions, in front of two real gateway processes: a session must live
 * on one connection (WebSocket first), and a gateway that shuts down must hand its readers over.
 */
jest.setTimeout(90_000);

const READERS = 40;

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
const processes: AppProcess[] = [];
const followers = new Followers();
let proxy: RoundRobinProxy | undefined;

async function committedVersion(storyId: string): Promise<number> {
  const rows = await world.sql<{ v: number | null }>(
    'SELECT max(version)::int AS v FROM events WHERE story_id = $1',
    [storyId],
  );
  return rows[0]?.v ?? 0;
}

async function committed(storyId: string, version: number): Promise<void> {
  await expectEventually(async () => expect(await committedVersion(storyId)).toBe(version), {
    timeoutMs: 20_000,
  });
}

async function allAt(readers: readonly Follower[], version: number): Promise<void> {
  await expectEventually(
    () => {
      const behind = readers.filter((f) => f.sub.status !== 'live' || f.sub.version !== version);
      expect(behind.slice(0, 5).map((f) => [f.sub.status, f.sub.version])).toEqual([]);
    },
    { timeoutMs: 30_000 },
  );
}

/** Readers whose versions are not exactly 1..final, each once, in order. */
function gappy(readers: readonly Follower[], final: number): Follower['log'][] {
  const expected = range(1, final);
  return readers
    .filter((f) => {
      const held = versionsHeld(f);
      return held.length !== expected.length || held.some((v, i) => v !== expected[i]);
    })
    .map((f) => f.log);
}

beforeAll(async () => {
  world = await isolatedWorld();
  processes.push(await startApp('ingest', world.env));
});

afterAll(async () => {
  followers.closeAll();
  await proxy?.close();
  await stopAll(processes.splice(0));
  await world?.close();
});

describe('two gateways behind a round-robin balancer without sticky sessions', () => {
  it('keeps SDK readers gapless, and moves them when one gateway is stopped', async () => {
    const [gatewayA, gatewayB] = await Promise.all([
      startApp('gateway', world.env),
      startApp('gateway', world.env),
    ]);
    processes.push(gatewayA, gatewayB);
    proxy = new RoundRobinProxy([gatewayA.port, gatewayB.port]);
    await proxy.start();

    const storyId = 'no-sticky';
    const posts = 40;
    const final = posts + 1;
    const script: RawReport[] = storyScript(storyId, posts);
    await world.publish(script.slice(0, 1));
    await committed(storyId, 1);

    // The SDK's own defaults: no transports, no reconnection delays given.
    const readers = Array.from({ length: READERS }, () => followers.follow(proxy!.url, storyId));
    await allAt(readers, 1);
    // One TCP connection per session: the balancer alternated them over both gateways.
    expect(proxy.routed.get(gatewayA.port)).toBeGreaterThanOrEqual(READERS / 4);
    expect(proxy.routed.get(gatewayB.port)).toBeGreaterThanOrEqual(READERS / 4);

    await world.publish(script.slice(1, 21));
    await committed(storyId, 21);
    await allAt(readers, 21);
    expect(gappy(readers, 21).slice(0, 3)).toEqual([]);

    // Mid-stream: a batch is on its way while gateway B shuts down (SIGTERM, graceful).
    await world.publish(script.slice(21, 31));
    expect(await gatewayB.stop()).toBe(0);
    await committed(storyId, 31);
    await world.publish(script.slice(31));
    await committed(storyId, final);

    await allAt(readers, final);
    expect(gappy(readers, final).slice(0, 3)).toEqual([]);
    const rest = (await (
      await fetch(`${gatewayA.url}/api/stories/${storyId}`)
    ).json()) as StoryState;
    expect(rest.version).toBe(final);
    for (const f of readers) expect(f.sub.state).toEqual(rest);
    // Resumes are short catch-ups, sent as events: one snapshot each, the first.
    expect(readers.filter((f) => f.log.filter((m) => m.kind === 'snapshot').length !== 1)).toEqual(
      [],
    );
    // B told its readers to move before closing, and they did.
    const shutdown = gatewayB.lines
      .map((line) => parseLog(line))
      .find((entry) => entry?.msg === 'disconnected every socket for shutdown');
    expect(shutdown?.sockets).toBeGreaterThanOrEqual(READERS / 4);
    expect(readers.filter((f) => f.statuses.includes('offline')).length).toBe(shutdown?.sockets);
    expect(readers.flatMap((f) => f.errors.map((e) => e.code))).toEqual([]);
  });
});

function parseLog(line: string): { msg?: string; sockets?: number } | null {
  try {
    return JSON.parse(line) as { msg?: string; sockets?: number };
  } catch {
    return null;
  }
}
