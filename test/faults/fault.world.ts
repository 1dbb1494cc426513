import { jetstream } from '@nats-io/jetstream';
import { setTimeout as delay } from 'node:timers/promises';
import { expectEventually, uniqueName } from '@livefeed/common/testing';
import { PrivateNatsServer } from '@livefeed/messaging/testing/private-nats-server';
import type { FollowerView } from '../support/followers';
import { isolatedWorld, type RawReport, workload } from '../support/livefeed';
import { AppFleet, type AppProcess } from '../support/processes';
import { ReaderPool } from '../support/reader-pool';
import { PrivatePostgres } from '../support/private-postgres';
import { sharedByFile } from '../support/shared-by-file';
import { checkFaults, type FaultFigures } from './fault.checker';

const enc = new TextEncoder();

/** SDK options of every reader: websocket only, quick to reconnect, one connection each. */
export const readerOptions = {
  transports: ['websocket'],
  reconnectionDelay: 100,
  reconnectionDelayMax: 1000,
  forceNew: true,
};

/**
 * One fault case's world: a private PostgreSQL and (unless NATS URLs are given, a cluster's) a
 * private nats-server on free ports, the apps it starts, the readers it follows with, and the one
 * way to file reports through an outage and to check the result (fault.checker.ts).
 */
export async function faultWorld({ natsUrl }: { natsUrl?: string } = {}) {
  const pg = await PrivatePostgres.start();
  const nats = natsUrl ? undefined : await PrivateNatsServer.start();
  const world = await isolatedWorld({
    natsUrl: natsUrl ?? nats!.url,
    database: async () => ({
      url: await pg.createDatabase(uniqueName('livefeed_fault_')),
      drop: () => Promise.resolve(),
    }),
  });
  const fleet = new AppFleet();
  // The readers run in worker processes of their own, as readers on phones do.
  const pool = new ReaderPool();
  const readers: { storyId: string; follower: FollowerView }[] = [];
  const filed: RawReport[] = [];
  const js = jetstream(world.nc);
  let closed = false;

  /** Publishes one report until JetStream acknowledges it (its msg id dedups the retries). */
  const fileOne = async (r: RawReport) => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        await js.publish(world.subjects.reports(r.storyId), enc.encode(JSON.stringify(r)), {
          msgID: r.id,
          timeout: 5000,
        });
        return;
      } catch (error) {
        if (closed) return;
        if (attempt > 400) throw error;
        await delay(100);
      }
    }
  };

  const fault = {
    pg,
    nats,
    world,
    fleet,
    filed,
    readers,
    ingest: (env: Record<string, string> = {}): Promise<AppProcess> =>
      fleet.start('ingest', { ...world.env, LIVEFEED_ACK_WAIT_MS: '2000', ...env }),
    gateway: (env: Record<string, string> = {}): Promise<AppProcess> =>
      fleet.start('gateway', { ...world.env, ...env }),
    /** A reader of `storyId`; `checked` false leaves it out of the checker's readers. */
    follow(url: string, storyId: string, { checked = true } = {}): FollowerView {
      const follower = pool.follow(url, storyId, readerOptions);
      if (checked) readers.push({ storyId, follower });
      return follower;
    },
    /**
     * Files `reports` in order, `perSecond` at most, in chunks of `chunk` published together (a
     * story's reports are never in the same chunk twice over: a chunk is acknowledged before the
     * next is sent, so each story's filing order is the order of `reports`).
     */
    async file(reports: readonly RawReport[], { perSecond = 1000, chunk = 50 } = {}) {
      const started = Date.now();
      // A case that failed leaves its filing behind: it stops once the world is closed.
      for (let i = 0; i < reports.length && !closed; i += chunk) {
        const part = reports.slice(i, i + chunk);
        const byStory = new Map<string, RawReport[]>();
        for (const r of part) byStory.set(r.storyId, [...(byStory.get(r.storyId) ?? []), r]);
        await Promise.all(
          [...byStory.values()].map(async (rs) => {
            for (const r of rs) await fileOne(r);
          }),
        );
        filed.push(...part);
        const due = started + ((i + part.length) / perSecond) * 1000;
        if (due > Date.now()) await delay(due - Date.now());
      }
    },
    /**
     * Files the `story.opened` reports and waits until they are committed: a reader may subscribe
     * to a story only once it exists (a subscribe to a missing one is refused, `not-found`).
     */
    async openStories(opened: readonly RawReport[]): Promise<void> {
      await fault.file(opened);
      await expectEventually(
        async () => expect((await fault.heads()).size).toBeGreaterThanOrEqual(opened.length),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    },
    /**
     * `workload(prefix, stories, reports / stories)` under way: its stories opened, each followed
     * by `readersPerStory` readers at `url`, all settled. Returns the whole workload (its first
     * `stories` reports are the openings).
     */
    async followedWorkload(
      url: string,
      { prefix, stories, reports, readersPerStory = 1 }: WorkloadShape,
    ): Promise<RawReport[]> {
      const all = workload(prefix, stories, reports / stories);
      await fault.openStories(all.slice(0, stories));
      for (let s = 0; s < stories; s++)
        for (let r = 0; r < readersPerStory; r++) fault.follow(url, `${prefix}-${s}`);
      await fault.settle();
      return all;
    },
    async outcomes(): Promise<{ decided: number; rejected: number }> {
      const rows = await world.sql<{ n: string; r: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'rejected') AS r FROM report_outcomes`,
      );
      return { decided: Number(rows[0].n), rejected: Number(rows[0].r) };
    },
    /** Waits for every filed report to be decided and every reader to hold its story's head. */
    async settle(timeoutMs = 120_000): Promise<void> {
      await expectEventually(
        async () => expect((await fault.outcomes()).decided).toBe(filed.length),
        { timeoutMs, intervalMs: 250 },
      );
      const heads = await fault.heads();
      await expectEventually(
        () => {
          const behind = readers.filter(
            ({ storyId, follower }) => follower.sub.version !== (heads.get(storyId) ?? 0),
          );
          const show = ({ storyId, follower: f }: (typeof readers)[number]) => ({
            storyId,
            head: heads.get(storyId),
            version: f.sub.version,
            status: f.sub.status,
            statuses: f.statuses.slice(-5),
            errors: f.errors.map((e) => `${e.code}: ${e.message}`),
            log: f.log.slice(0, 3),
          });
          expect({ behind: behind.length, first: behind.slice(0, 2).map(show) }).toEqual({
            behind: 0,
            first: [],
          });
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    },
    async heads(): Promise<Map<string, number>> {
      const rows = await world.sql<{ story_id: string; v: number }>(
        'SELECT story_id, max(version)::int AS v FROM events GROUP BY story_id',
      );
      return new Map(rows.map((r) => [r.story_id, r.v]));
    },
    /** The checker's figures, once the log's own invariants held (world.checkLog). */
    async check(name: string, extra: Record<string, unknown> = {}): Promise<FaultFigures> {
      const { events, stories } = await world.checkLog();
      const log = await world.sql<{ story_id: string; report_id: string; version: number }>(
        'SELECT story_id, report_id, version FROM events ORDER BY story_id, version',
      );
      return checkFaults({
        name,
        filed,
        log,
        rejected: (await fault.outcomes()).rejected,
        readers,
        extra: { events, stories, ...extra },
      });
    },
    async close(): Promise<void> {
      closed = true;
      await pool.close();
      await fleet.stopAll();
      await world.close();
      await nats?.destroy();
      await pg.destroy();
    },
  };
  return fault;
}

export type FaultWorld = Awaited<ReturnType<typeof faultWorld>>;

interface WorkloadShape {
  readonly prefix: string;
  readonly stories: number;
  readonly reports: number;
  readonly readersPerStory?: number;
}

/**
 * The spec file's fault world (a private PostgreSQL and nats-server of its own): started before its
 * cases, closed after them.
 */
export const faultWorldOfFile = (): FaultWorld => sharedByFile(() => faultWorld());

/** `/health` of an app: its status, and which probes are down (docs/protocol.md, "HTTP"). */
export async function healthOf(p: AppProcess): Promise<string> {
  try {
    const res = await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { details?: Record<string, { status?: string }> };
    const down = Object.entries(body.details ?? {})
      .filter(([, d]) => d.status !== 'up')
      .map(([name]) => name);
    return down.length > 0 ? `${res.status}:${down.sort().join('+')}` : String(res.status);
  } catch (error) {
    return `unreachable:${(error as Error).name}`;
  }
}

/**
 * Polls `/health` of `apps` every 200 ms until `stop` resolved and each said 200 again (or 60 s
 * after `stop`); returns what each said, each change once, in order.
 */
export async function watchHealth(
  apps: Record<string, AppProcess>,
  stop: Promise<unknown>,
): Promise<Record<string, string[]>> {
  const said: Record<string, string[]> = Object.fromEntries(Object.keys(apps).map((k) => [k, []]));
  let stoppedAt: number | undefined;
  void stop.finally(() => (stoppedAt = Date.now()));
  const healthy = () => Object.values(said).every((s) => s.at(-1) === '200');
  while (stoppedAt === undefined || (!healthy() && Date.now() - stoppedAt < 60_000)) {
    await Promise.all(
      Object.entries(apps).map(async ([name, p]) => {
        const h = await healthOf(p);
        if (said[name].at(-1) !== h) said[name].push(h);
      }),
    );
    await delay(200);
  }
  return said;
}

/** A numeric metric of an app's /metrics, summed over its labels. */
export async function metric(p: AppProcess, name: string): Promise<number> {
  const text = await fetch(`${p.url}/metrics`).then((r) => r.text());
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
