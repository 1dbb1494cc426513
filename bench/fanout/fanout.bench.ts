/**
 * bench/fanout — live push from publish to the reader's socket, on this machine, with the ingest
 * and gateway apps as real processes against real NATS and PostgreSQL, beside a plain socket.io
 * server (bench/fanout/baseline-server.ts, no livefeed code) measured in the same run.
 *
 *   npx nest build ingest && npx nest build gateway
 *   npx tsx bench/fanout/fanout.bench.ts [--subscribers=2000] [--rate=20] [--seconds=10] [--stories=100]
 *       [--idle=5000] [--storm=5000] [--stormVersion=300] [--workers=4] [--connectConcurrency=50]
 *       [--satStart=50] [--satFactor=2] [--satSteps=5] [--satSeconds=4] [--client=raw|sio]
 *       [--baseline=1] [--gc=1] [--profile=0] [--deadline=420]
 *
 * Scenarios (each measured for livefeed and, where it means something, for the baseline):
 * 1. one story, `subscribers` sockets, `rate` updates/s for `seconds`: deliveries/s and
 *    publish→receive latency. Livefeed updates are `entry.posted` reports published to JetStream
 *    (report id = `<marker>:<seq>:<publish epoch ms>`); the baseline server emits events of the same
 *    shape and size, stamped with its emit time.
 * 2. the same sockets spread over `stories` stories, each story at `rate` updates/s (so each socket
 *    still gets `rate` events/s and deliveries/s are comparable with scenario 1).
 * 3. saturation: scenario 1's layout at `satStart × satFactor^k` updates/s, `satSeconds` per step,
 *    until a step misses its offered load (< 95 % delivered within 3 s after it), p99 > 1 s, or a
 *    socket is dropped. Max deliveries/s = the best rate a step achieved.
 * 4. memory per idle subscriber: gateway RSS and heap (its /metrics) before and after `idle`
 *    subscribed sockets that receive nothing, after a full GC (the gateway runs with `--inspect`
 *    on 127.0.0.1 and the bench asks V8 for a collection over the inspector protocol; `--gc=0`
 *    falls back to medians of samples).
 * 5. reconnect storm: `storm` sockets holding random versions 0..stormVersion of a story the
 *    gateway has not served yet (it starts after the stories are filed) connect and subscribe with
 *    `since` all at once; time until every one holds the head, gaps and repeats.
 *
 * Load generator: `workers` processes (bench/fanout/client-worker.ts) with the sockets split
 * between them. CPU time of every process over each window is reported, to show what saturated.
 * Everything listens on 127.0.0.1; the database and streams are dropped at the end.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import WebSocket from 'ws';
import { subjectsFor, type Subjects } from '../../libs/common/src/config';
import { createTestDatabase } from '../../libs/common/src/testing/isolation';
import { type AppProcess, startApp } from '../../test/support/processes';
import { arg, writeReport } from '../lib/report';
import { summarise } from '../lib/stats';
import {
  type BaselineCommand,
  type BaselineReply,
  type CollectResult,
  type CountResult,
  type EventTemplate,
  type OpenResult,
  type SocketSpec,
  type WorkerCommand,
  type WorkerReply,
  stampId,
  stampOf,
  wallClock,
} from './protocol';

const strArg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

const P = {
  subscribers: arg('subscribers', 2000),
  rate: arg('rate', 20),
  seconds: arg('seconds', 10),
  stories: arg('stories', 100),
  idle: arg('idle', 5000),
  storm: arg('storm', 5000),
  stormVersion: arg('stormVersion', 300),
  workers: arg('workers', 4),
  connectConcurrency: arg('connectConcurrency', 50),
  satStart: arg('satStart', 50),
  satFactor: arg('satFactor', 2),
  satSteps: arg('satSteps', 5),
  satSeconds: arg('satSeconds', 4),
  client: strArg('client', 'raw') === 'sio' ? 'sio' : 'raw',
  baseline: arg('baseline', 1) !== 0,
  gc: arg('gc', 1) !== 0,
  profile: arg('profile', 0) !== 0,
  deadline: arg('deadline', 420),
  reservoir: arg('reservoir', 100_000),
};

const TARGET = { p99Ms: 100, ratio: 0.9, bytesPerIdle: 20 * 1024, stormSeconds: 10 };
const BODY =
  '<p>Shelling reported overnight near the river crossing; residents sheltered in basements.</p>';
const RESULTS = path.resolve(__dirname, '../results');
const enc = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (n: number, d = 0) => Math.round(n * 10 ** d) / 10 ** d;
const log = (...args: unknown[]) =>
  console.error(`[fanout ${new Date().toISOString().slice(11, 19)}]`, ...args);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- CPU accounting (Linux /proc) ----------------------------------------------------------

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

type CpuGroups = Record<string, () => number[]>;
type CpuSample = { at: number; ms: Record<string, Map<number, number>> };

function cpuSample(groups: CpuGroups): CpuSample {
  const ms: Record<string, Map<number, number>> = {};
  for (const [name, pids] of Object.entries(groups))
    ms[name] = new Map(pids().map((pid) => [pid, cpuMsOf(pid)]));
  const self = process.cpuUsage();
  ms.bench = new Map([[process.pid, (self.user + self.system) / 1000]]);
  return { at: wallClock(), ms };
}

/**
 * Percent of one core each group used between two samples. Only processes alive at the second
 * sample count (one that started in between counts from its start; one that exited is left out).
 */
function cpuPercent(a: CpuSample, b: CpuSample): Record<string, number> {
  const wall = b.at - a.at;
  const out: Record<string, number> = {};
  for (const [name, now] of Object.entries(b.ms)) {
    let used = 0;
    for (const [pid, ms] of now) used += ms - (a.ms[name]?.get(pid) ?? 0);
    out[name] = round((used / wall) * 100);
  }
  return out;
}

// ---- client workers ------------------------------------------------------------------------

class WorkerPool {
  private readonly procs: ChildProcess[] = [];
  private readonly waiters = new Map<ChildProcess, Map<string, ((m: WorkerReply) => void)[]>>();

  async start(n: number): Promise<void> {
    const file = path.join(__dirname, 'client-worker.ts');
    const ready: Promise<WorkerReply>[] = [];
    for (let i = 0; i < n; i++) {
      const child = fork(file, [P.client, String(P.reservoir)], {
        execArgv: [...process.execArgv, '--max-old-space-size=1024'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.procs.push(child);
      this.waiters.set(child, new Map());
      child.on('message', (m: WorkerReply) => {
        const queue = this.waiters.get(child)?.get(m.type);
        queue?.shift()?.(m);
      });
      ready.push(this.next(child, 'ready'));
    }
    await Promise.all(ready);
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid ?? 0);
  }

  private next<T extends WorkerReply>(child: ChildProcess, type: T['type']): Promise<T> {
    return new Promise((resolve, reject) => {
      const queues = this.waiters.get(child)!;
      const queue = queues.get(type) ?? [];
      queues.set(type, queue);
      const onExit = (code: number | null) =>
        reject(new Error(`client worker ${child.pid} exited with ${code}`));
      child.once('exit', onExit);
      queue.push((m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
    });
  }

  private async all<T extends WorkerReply>(
    cmd: WorkerCommand | ((i: number) => WorkerCommand),
    type: T['type'],
  ): Promise<T[]> {
    return Promise.all(
      this.procs.map((child, i) => {
        const p = this.next<T>(child, type);
        child.send(typeof cmd === 'function' ? cmd(i) : cmd);
        return p;
      }),
    );
  }

  /** Opens and subscribes the sockets, split round-robin over the workers. */
  async open(
    url: string,
    sockets: readonly SocketSpec[],
    opts: { concurrency: number; headVersion?: number; marker: string },
  ) {
    const n = this.procs.length;
    const parts = this.procs.map((_, i) => sockets.filter((_s, j) => j % n === i));
    const results = await this.all<OpenResult>(
      (i) => ({
        op: 'open',
        url,
        sockets: parts[i],
        concurrency: opts.concurrency,
        headVersion: opts.headVersion,
        marker: opts.marker,
      }),
      'opened',
    );
    const sum = (k: 'requested' | 'connected' | 'acked' | 'refused' | 'failed' | 'atHead') =>
      results.reduce((s, r) => s + r[k], 0);
    return {
      requested: sum('requested'),
      connected: sum('connected'),
      acked: sum('acked'),
      refused: sum('refused'),
      failed: sum('failed'),
      atHead: sum('atHead'),
      errors: results.flatMap((r) => r.errors).slice(0, 5),
      lastAckAt: Math.max(...results.map((r) => r.lastAckAt)),
    };
  }

  reset(marker: string): void {
    for (const child of this.procs) child.send({ op: 'reset', marker } satisfies WorkerCommand);
  }

  async count() {
    const results = await this.all<CountResult>({ op: 'count' }, 'count');
    const allAt = results.map((r) => r.allAtHeadAt);
    return {
      deliveries: results.reduce((s, r) => s + r.deliveries, 0),
      atHead: results.reduce((s, r) => s + r.atHead, 0),
      allAtHeadAt: allAt.some(Number.isNaN) ? Number.NaN : Math.max(...allAt),
    };
  }

  async collect() {
    const results = await this.all<CollectResult>({ op: 'collect' }, 'collected');
    const latencies: number[] = [];
    // Each worker holds a uniform sample of its own latencies; weigh them by what they stand for.
    const total = results.reduce((s, r) => s + r.deliveries, 0);
    const keep = Math.min(
      ...results.map((r) => (r.deliveries > 0 ? r.latencies.length / r.deliveries : 1)),
    );
    for (const r of results) {
      const want = Math.round(r.deliveries * keep);
      for (let i = 0; i < Math.min(want, r.latencies.length); i++) latencies.push(r.latencies[i]);
    }
    const sum = (
      k:
        | 'deliveries'
        | 'events'
        | 'snapshots'
        | 'gaps'
        | 'repeats'
        | 'disconnects'
        | 'atHead'
        | 'cpuMicros',
    ) => results.reduce((s, r) => s + r[k], 0);
    const firsts = results.map((r) => r.firstAt).filter((t) => !Number.isNaN(t));
    const lasts = results.map((r) => r.lastAt).filter((t) => !Number.isNaN(t));
    const stats = summarise(latencies);
    return {
      deliveries: total,
      events: sum('events'),
      snapshots: sum('snapshots'),
      latency: {
        ...stats,
        count: total,
        max: round(Math.max(0, ...results.map((r) => r.latencyMax)), 2),
      },
      firstAt: firsts.length ? Math.min(...firsts) : Number.NaN,
      lastAt: lasts.length ? Math.max(...lasts) : Number.NaN,
      gaps: sum('gaps'),
      repeats: sum('repeats'),
      disconnects: sum('disconnects'),
      atHead: sum('atHead'),
      allAtHeadAt: results.some((r) => Number.isNaN(r.allAtHeadAt))
        ? Number.NaN
        : Math.max(...results.map((r) => r.allAtHeadAt)),
    };
  }

  async close(): Promise<void> {
    await this.all({ op: 'close' }, 'closed');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        if (child.connected) child.send({ op: 'exit' } satisfies WorkerCommand);
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

// ---- baseline server -----------------------------------------------------------------------

class Baseline {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<Baseline> {
    const child = fork(path.join(__dirname, 'baseline-server.ts'), [], {
      execArgv: [...process.execArgv, '--expose-gc'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
      child.on('message', (m: BaselineReply) => {
        if (m.type === 'listening') resolve(m.port);
      });
    });
    return new Baseline(child, `http://127.0.0.1:${port}`);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private ask<T extends BaselineReply>(cmd: BaselineCommand, type: T['type']): Promise<T> {
    return new Promise((resolve) => {
      const on = (m: BaselineReply) => {
        if (m.type !== type) return;
        this.child.off('message', on);
        resolve(m as T);
      };
      this.child.on('message', on);
      this.child.send(cmd);
    });
  }

  run(
    stories: readonly string[],
    ratePerStory: number,
    seconds: number,
    template: EventTemplate,
    marker: string,
  ) {
    return this.ask<Extract<BaselineReply, { type: 'ran' }>>(
      { op: 'run', stories, ratePerStory, seconds, template, marker },
      'ran',
    );
  }

  memory() {
    return this.ask<Extract<BaselineReply, { type: 'memory' }>>({ op: 'memory' }, 'memory');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    if (this.child.connected) this.child.send({ op: 'exit' } satisfies BaselineCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

// ---- livefeed: publishing reports ----------------------------------------------------------

interface Published {
  sent: number;
  startedAt: number;
  endedAt: number;
  /** Deliveries owed: for each update, the subscribers of its story. */
  expectedDeliveries: number;
}

async function publishReports(
  js: JetStreamClient,
  subjects: Subjects,
  stories: readonly string[],
  ratePerStory: number,
  seconds: number,
  marker: string,
  subscribersOf: (storyId: string) => number,
): Promise<Published> {
  const perSecond = ratePerStory * stories.length;
  const total = Math.round(perSecond * seconds);
  const inflight = new Set<Promise<unknown>>();
  const startedAt = wallClock();
  let expectedDeliveries = 0;
  for (let i = 0; i < total; i++) {
    const due = startedAt + (i * 1000) / perSecond;
    const wait = due - wallClock();
    if (wait > 1) await sleep(wait);
    const storyId = stories[i % stories.length];
    const id = stampId(marker, i);
    const report = {
      id,
      storyId,
      type: 'entry.posted',
      author: 'desk:bench',
      data: { entryId: `${marker}-${i}`, body: BODY },
    };
    const p = js.publish(subjects.reports(storyId), enc.encode(JSON.stringify(report)), {
      msgID: id,
    });
    expectedDeliveries += subscribersOf(storyId);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 2000) await Promise.race(inflight);
  }
  const endedAt = wallClock();
  await Promise.all(inflight);
  return { sent: total, startedAt, endedAt, expectedDeliveries };
}

/** Files reports and waits until each became an event (or fails on a rejection). Returns the events. */
async function fileAndWait(
  nc: NatsConnection,
  js: JetStreamClient,
  subjects: Subjects,
  reports: { id: string; storyId: string }[],
) {
  const pending = new Set(reports.map((r) => r.id));
  const events: Record<string, unknown>[] = [];
  let rejection: string | undefined;
  const subEvents = nc.subscribe(subjects.eventsAll, {
    callback: (_e: Error | null, msg: Msg) => {
      const event = msg.json<Record<string, unknown>>();
      if (pending.delete(String(event.reportId))) events.push(event);
    },
  });
  const subRejections = nc.subscribe(subjects.rejectionsAll, {
    callback: (_e: Error | null, msg: Msg) => {
      rejection ??= msg.string();
    },
  });
  try {
    const inflight: Promise<unknown>[] = [];
    for (const r of reports) {
      inflight.push(
        js.publish(subjects.reports(r.storyId), enc.encode(JSON.stringify(r)), { msgID: r.id }),
      );
      if (inflight.length >= 500) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    const deadline = Date.now() + 60_000;
    while (pending.size > 0 && !rejection && Date.now() < deadline) await sleep(20);
    if (rejection) throw new Error(`a setup report was rejected: ${rejection}`);
    if (pending.size > 0)
      throw new Error(`${pending.size} setup reports did not become events within 60 s`);
    return events;
  } finally {
    subEvents.unsubscribe();
    subRejections.unsubscribe();
  }
}

/**
 * Times each report of a window from publish to its event on `<root>.events.<story>` (committed,
 * as the gateway's feed receives it): splits livefeed's latency into ingest and gateway shares.
 */
function tapEvents(nc: NatsConnection, subjects: Subjects) {
  return (marker: string) => {
    const samples: number[] = [];
    const sub = nc.subscribe(subjects.eventsAll, {
      callback: (_e: Error | null, msg: Msg) => {
        const now = wallClock();
        const { reportId } = msg.json<{ reportId?: string }>();
        if (typeof reportId === 'string' && reportId.startsWith(`${marker}:`))
          samples.push(now - stampOf(reportId));
      },
    });
    return () => {
      sub.unsubscribe();
      return summarise(samples);
    };
  };
}
type Tap = ReturnType<typeof tapEvents>;

// ---- gateway memory ------------------------------------------------------------------------

async function gatewayMemory(url: string): Promise<{ rss: number; heapUsed: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (suffix: string) => {
    const m = new RegExp(`^\\w*${suffix}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
    return m ? Number(m[1]) : Number.NaN;
  };
  return {
    rss: value('process_resident_memory_bytes'),
    heapUsed: value('nodejs_heap_size_used_bytes'),
  };
}

/** A full GC in the gateway through its inspector (it runs with --inspect=127.0.0.1:0). */
async function collectGarbage(app: AppProcess): Promise<boolean> {
  const line = app.lines.find((l) => l.includes('Debugger listening on'));
  const url = line ? /ws:\/\/\S+/.exec(line)?.[0] : undefined;
  if (!url) return false;
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    for (let id = 1; id <= 2; id++) {
      const done = new Promise<void>((resolve) => {
        const on = (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { id?: number }).id !== id) return;
          ws.off('message', on);
          resolve();
        };
        ws.on('message', on);
      });
      ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      await done;
    }
    return true;
  } catch {
    return false;
  } finally {
    ws.close();
  }
}

async function sampleMemory(
  read: () => Promise<{ rss: number; heapUsed: number }>,
  gc: () => Promise<unknown>,
) {
  await sleep(1500);
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    await gc();
    const m = await read();
    rss.push(m.rss);
    heap.push(m.heapUsed);
    await sleep(300);
  }
  return { rss: median(rss), heapUsed: median(heap) };
}

// ---- measuring one load window -------------------------------------------------------------

interface LoadResult {
  system: 'livefeed' | 'baseline';
  scenario: string;
  subscribers: number;
  stories: number;
  ratePerStory: number;
  seconds: number;
  published: number;
  expected: number;
  delivered: number;
  offeredPerSec: number;
  deliveriesPerSec: number;
  /** Publisher fell behind its schedule by this much at the end (ms). */
  publishLagMs: number;
  latencyMs: ReturnType<typeof summarise>;
  /** Livefeed only: publish → event on the events stream (ingest, PostgreSQL commit, publish). */
  committedMs?: ReturnType<typeof summarise>;
  gaps: number;
  repeats: number;
  disconnects: number;
  cpuPercent: Record<string, number>;
}

async function measure(
  pool: WorkerPool,
  cpu: CpuGroups,
  meta: Pick<
    LoadResult,
    'system' | 'scenario' | 'subscribers' | 'stories' | 'ratePerStory' | 'seconds'
  >,
  marker: string,
  publish: () => Promise<Published>,
  tap?: Tap,
): Promise<LoadResult> {
  pool.reset(marker);
  const untap = tap?.(marker);
  await sleep(50);
  const cpu0 = cpuSample(cpu);
  const pub = await publish();
  // Wait for what is owed; give up 3 s after publishing ended, or earlier once nothing moves for 1.5 s.
  const giveUpAt = pub.endedAt + 3000;
  let last = -1;
  let stillSince = wallClock();
  for (;;) {
    const { deliveries } = await pool.count();
    if (deliveries >= pub.expectedDeliveries) break;
    const now = wallClock();
    if (deliveries !== last) {
      last = deliveries;
      stillSince = now;
    }
    if (now > giveUpAt || now - stillSince > 1500) break;
    await sleep(100);
  }
  const cpu1 = cpuSample(cpu);
  const committed = untap?.();
  const c = await pool.collect();
  const nominal = (pub.sent / (meta.ratePerStory * meta.stories)) * 1000;
  const elapsed = Math.max(1, (Number.isNaN(c.lastAt) ? wallClock() : c.lastAt) - pub.startedAt);
  return {
    ...meta,
    published: pub.sent,
    expected: pub.expectedDeliveries,
    delivered: c.deliveries,
    offeredPerSec: round(pub.expectedDeliveries / (nominal / 1000)),
    deliveriesPerSec: round(c.deliveries / (elapsed / 1000)),
    publishLagMs: round(Math.max(0, pub.endedAt - pub.startedAt - nominal + nominal / pub.sent), 1),
    latencyMs: c.latency,
    ...(committed ? { committedMs: committed } : {}),
    gaps: c.gaps,
    repeats: c.repeats,
    disconnects: c.disconnects,
    cpuPercent: cpuPercent(cpu0, cpu1),
  };
}

/** Did a load step keep up with what was offered? */
const keptUp = (r: LoadResult) =>
  r.delivered >= 0.95 * r.expected && r.latencyMs.p99 <= 1000 && r.disconnects === 0;

async function saturate(
  run: (rate: number, step: number) => Promise<LoadResult>,
): Promise<LoadResult[]> {
  const steps: LoadResult[] = [];
  for (let k = 0; k < P.satSteps; k++) {
    const rate = round(P.satStart * P.satFactor ** k, 2);
    const r = await run(rate, k);
    steps.push(r);
    log(
      `  saturation ${r.system} ${rate}/s: ${r.deliveriesPerSec} deliveries/s of ${r.offeredPerSec} offered, p99 ${r.latencyMs.p99} ms, cpu ${JSON.stringify(r.cpuPercent)}`,
    );
    if (!keptUp(r)) break;
    await sleep(1000);
  }
  return steps;
}

function assertOpened(what: string, o: Awaited<ReturnType<WorkerPool['open']>>): void {
  log(
    `  ${what}: ${o.acked}/${o.requested} subscribed` +
      (o.errors.length ? ` (errors: ${o.errors.join('; ')})` : ''),
  );
  if (o.acked < o.requested)
    throw new Error(
      `${what}: only ${o.acked}/${o.requested} sockets subscribed: ${o.errors.join('; ')}`,
    );
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const began = wallClock();
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => log('cleanup:', e));
    })());
  const watchdog = setTimeout(() => {
    log(`deadline of ${P.deadline} s reached: stopping`);
    void cleanup().finally(() => process.exit(2));
  }, P.deadline * 1000);
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  try {
    const run = randomBytes(3).toString('hex');
    const root = `fanout${run}`;
    const subjects = subjectsFor(root);
    const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    log(
      `root ${root}; ${os.cpus().length} cores; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const nc = await connect({ servers: natsUrl });
    cleanups.push(async () => {
      const jsm = await jetstreamManager(nc);
      for (const name of [subjects.reportsStream, subjects.eventsStream])
        await jsm.streams.delete(name).catch(() => false);
      await nc.close();
    });
    const js = jetstream(nc);
    const env = {
      DATABASE_URL: db.url,
      LIVEFEED_SUBJECT_ROOT: root,
      NATS_URL: natsUrl,
      LIVEFEED_LOG_LEVEL: 'info',
    };
    const ingest = await startApp('ingest', env);
    cleanups.push(() => stopApp(ingest));

    // Stories: `one` (scenario 1), s-0..s-N (scenario 2 and idle sockets), `storm` at stormVersion.
    const spread = Array.from({ length: P.stories }, (_, i) => `s-${i}`);
    const setup = [
      ...['one', 'storm', ...spread].map((storyId) => ({
        id: `setup-open-${storyId}`,
        storyId,
        type: 'story.opened',
        author: 'desk:bench',
        data: { title: `Bench story ${storyId}` },
      })),
      ...Array.from({ length: P.stormVersion - 1 }, (_, i) => ({
        id: `setup-storm-${i + 2}`,
        storyId: 'storm',
        type: 'entry.posted',
        author: 'desk:bench',
        data: { entryId: `storm-${i + 2}`, body: BODY },
      })),
    ];
    const t0 = wallClock();
    const setupEvents = await fileAndWait(nc, js, subjects, setup);
    log(`filed ${setup.length} setup reports in ${round(wallClock() - t0)} ms`);
    const sample = setupEvents.find((e) => e.type === 'entry.posted')!;
    const template: EventTemplate = {
      type: 'entry.posted',
      data: sample.data as Record<string, unknown>,
      author: String(sample.author),
      occurredAt: String(sample.occurredAt),
      recordedAt: String(sample.recordedAt),
    };

    // The gateway starts after the stories exist: it has cached nothing of them (the storm is cold).
    const profileDir = path.join(RESULTS, `fanout-profile-${run}`);
    const nodeOptions = [
      P.gc ? '--inspect=127.0.0.1:0' : '',
      P.profile ? `--cpu-prof --cpu-prof-dir=${profileDir}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const gateway = await startApp('gateway', {
      ...env,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    });
    cleanups.push(() => stopApp(gateway));
    const pool = new WorkerPool();
    cleanups.push(() => pool.stop());
    await pool.start(P.workers);
    const baseline = P.baseline ? await Baseline.start() : undefined;
    if (baseline) cleanups.push(() => baseline.stop());

    const shared = {
      nats: () => pidsNamed('nats-server'),
      postgres: () => pidsNamed('postgres'),
      clients: () => pool.pids,
    };
    const lfCpu: CpuGroups = {
      gateway: () => [gateway.child.pid ?? 0],
      ingest: () => [ingest.child.pid ?? 0],
      ...shared,
    };
    const blCpu: CpuGroups = { server: () => (baseline ? [baseline.pid] : []), ...shared };
    let phase = 0;
    const marker = () => `L${run}${phase++}`;
    const oneSpecs: SocketSpec[] = Array.from({ length: P.subscribers }, () => ({
      storyId: 'one',
    }));
    const spreadSpecs: SocketSpec[] = Array.from({ length: P.subscribers }, (_, i) => ({
      storyId: spread[i % spread.length],
    }));
    const perStory = (specs: SocketSpec[]) => {
      const m = new Map<string, number>();
      for (const s of specs) m.set(s.storyId, (m.get(s.storyId) ?? 0) + 1);
      return (storyId: string) => m.get(storyId) ?? 0;
    };
    const open = { concurrency: P.connectConcurrency };
    const tap = tapEvents(nc, subjects);

    // ---- memory per idle subscriber ----
    const idleSpecs: SocketSpec[] = Array.from({ length: P.idle }, (_, i) => ({
      storyId: spread[i % spread.length],
    }));
    const gwGc = async () => (P.gc ? collectGarbage(gateway) : false);
    const gcWorked = await gwGc();
    log(`memory: ${P.idle} idle subscribers (full GC before each reading: ${gcWorked})`);
    const memBefore = await sampleMemory(() => gatewayMemory(gateway.url), gwGc);
    const tIdle = wallClock();
    assertOpened(
      'livefeed idle',
      await pool.open(gateway.url, idleSpecs, { ...open, marker: marker() }),
    );
    const connectSeconds = (wallClock() - tIdle) / 1000;
    const memAfter = await sampleMemory(() => gatewayMemory(gateway.url), gwGc);
    await pool.close();
    const memory = {
      before: memBefore,
      after: memAfter,
      connectSeconds: round(connectSeconds, 2),
      rssPerSubscriber: round((memAfter.rss - memBefore.rss) / P.idle),
      heapPerSubscriber: round((memAfter.heapUsed - memBefore.heapUsed) / P.idle),
    };
    log(
      `  gateway: ${memory.rssPerSubscriber} B RSS, ${memory.heapPerSubscriber} B heap per subscriber`,
    );

    // ---- livefeed: one story, fixed rate; then spread; then the storm; then saturation ----
    log(`livefeed: ${P.subscribers} subscribers on one story, ${P.rate}/s for ${P.seconds} s`);
    assertOpened(
      'livefeed one story',
      await pool.open(gateway.url, oneSpecs, { ...open, marker: 'none' }),
    );
    const lfOneSubs = perStory(oneSpecs);
    const lfPublish =
      (stories: string[], rate: number, seconds: number, subs: (s: string) => number) =>
      (m: string) =>
      () =>
        publishReports(js, subjects, stories, rate, seconds, m, subs);
    const mOne = marker();
    const lfOne = await measure(
      pool,
      lfCpu,
      {
        system: 'livefeed',
        scenario: 'one story',
        subscribers: P.subscribers,
        stories: 1,
        ratePerStory: P.rate,
        seconds: P.seconds,
      },
      mOne,
      lfPublish(['one'], P.rate, P.seconds, lfOneSubs)(mOne),
      tap,
    );
    log(
      `  ${lfOne.deliveriesPerSec} deliveries/s, p50/p99/max ${lfOne.latencyMs.p50}/${lfOne.latencyMs.p99}/${lfOne.latencyMs.max} ms, cpu ${JSON.stringify(lfOne.cpuPercent)}`,
    );
    await pool.close();

    log(`livefeed: ${P.subscribers} subscribers over ${P.stories} stories, ${P.rate}/s each`);
    assertOpened(
      'livefeed spread',
      await pool.open(gateway.url, spreadSpecs, { ...open, marker: 'none' }),
    );
    const mSpread = marker();
    const lfSpread = await measure(
      pool,
      lfCpu,
      {
        system: 'livefeed',
        scenario: `${P.stories} stories`,
        subscribers: P.subscribers,
        stories: P.stories,
        ratePerStory: P.rate,
        seconds: P.seconds,
      },
      mSpread,
      lfPublish(spread, P.rate, P.seconds, perStory(spreadSpecs))(mSpread),
      tap,
    );
    log(
      `  ${lfSpread.deliveriesPerSec} deliveries/s, p50/p99/max ${lfSpread.latencyMs.p50}/${lfSpread.latencyMs.p99}/${lfSpread.latencyMs.max} ms, cpu ${JSON.stringify(lfSpread.cpuPercent)}`,
    );
    await pool.close();

    log(`livefeed: reconnect storm of ${P.storm} sockets on a story at version ${P.stormVersion}`);
    const rnd = mulberry32(42);
    const stormSpecs: SocketSpec[] = Array.from({ length: P.storm }, () => ({
      storyId: 'storm',
      since: Math.floor(rnd() * (P.stormVersion + 1)),
    }));
    const owed = stormSpecs.reduce((s, spec) => s + (P.stormVersion - (spec.since ?? 0)), 0);
    await sleep(500);
    const stormCpu0 = cpuSample(lfCpu);
    const stormStart = wallClock();
    const stormOpen = await pool.open(gateway.url, stormSpecs, {
      concurrency: 0,
      headVersion: P.stormVersion,
      marker: marker(),
    });
    log(
      `  ${stormOpen.acked}/${stormOpen.requested} subscribed, last ack after ${round(stormOpen.lastAckAt - stormStart)} ms` +
        (stormOpen.errors.length ? ` (errors: ${stormOpen.errors.join('; ')})` : ''),
    );
    const stormDeadline = wallClock() + 30_000;
    let stormCount = await pool.count();
    while (stormCount.atHead < P.storm && wallClock() < stormDeadline) {
      await sleep(100);
      stormCount = await pool.count();
    }
    const stormCpu1 = cpuSample(lfCpu);
    const stormC = await pool.collect();
    await pool.close();
    const storm = {
      sockets: P.storm,
      headVersion: P.stormVersion,
      subscribed: stormOpen.acked,
      failed: stormOpen.failed + stormOpen.refused,
      errors: stormOpen.errors,
      lastAckSeconds: round((stormOpen.lastAckAt - stormStart) / 1000, 2),
      allAtHead: stormCount.atHead === P.storm,
      atHead: stormCount.atHead,
      secondsToHead:
        stormCount.atHead === P.storm
          ? round((stormCount.allAtHeadAt - stormStart) / 1000, 2)
          : Number.NaN,
      eventsOwed: owed,
      eventsReceived: stormC.events,
      snapshots: stormC.snapshots,
      gaps: stormC.gaps,
      repeats: stormC.repeats,
      cpuPercent: cpuPercent(stormCpu0, stormCpu1),
    };
    log(
      `  all at head after ${storm.secondsToHead} s; ${storm.eventsReceived}/${owed} events, ${storm.gaps} gaps, ${storm.repeats} repeats, cpu ${JSON.stringify(storm.cpuPercent)}`,
    );

    log(`livefeed: saturation, ${P.subscribers} subscribers on one story`);
    assertOpened(
      'livefeed saturation',
      await pool.open(gateway.url, oneSpecs, { ...open, marker: 'none' }),
    );
    const lfSat = await saturate((rate) => {
      const m = marker();
      return measure(
        pool,
        lfCpu,
        {
          system: 'livefeed',
          scenario: 'saturation',
          subscribers: P.subscribers,
          stories: 1,
          ratePerStory: rate,
          seconds: P.satSeconds,
        },
        m,
        lfPublish(['one'], rate, P.satSeconds, lfOneSubs)(m),
        tap,
      );
    });
    await pool.close();

    // ---- baseline: the same layouts, payloads and rates on plain socket.io ----
    let bl:
      | {
          memory: {
            before: { rss: number; heapUsed: number };
            after: { rss: number; heapUsed: number };
            rssPerSubscriber: number;
            heapPerSubscriber: number;
          };
          one: LoadResult;
          spread: LoadResult;
          saturation: LoadResult[];
        }
      | undefined;
    if (baseline) {
      const blMemory = async () => {
        const m = await baseline.memory();
        return { rss: m.rss, heapUsed: m.heapUsed };
      };
      log(`baseline: memory with ${P.idle} idle subscribers`);
      const bBefore = await sampleMemory(blMemory, async () => undefined);
      assertOpened(
        'baseline idle',
        await pool.open(baseline.url, idleSpecs, { ...open, marker: marker() }),
      );
      const bAfter = await sampleMemory(blMemory, async () => undefined);
      await pool.close();

      const blRun =
        (stories: string[], rate: number, seconds: number) =>
        (m: string) =>
        async (): Promise<Published> => {
          const r = await baseline.run(stories, rate, seconds, template, m);
          return {
            sent: r.sent,
            startedAt: r.startedAt,
            endedAt: r.endedAt,
            expectedDeliveries: r.expectedDeliveries,
          };
        };
      log(`baseline: ${P.subscribers} subscribers on one story, ${P.rate}/s for ${P.seconds} s`);
      assertOpened(
        'baseline one story',
        await pool.open(baseline.url, oneSpecs, { ...open, marker: 'none' }),
      );
      const m1 = marker();
      const one = await measure(
        pool,
        blCpu,
        {
          system: 'baseline',
          scenario: 'one story',
          subscribers: P.subscribers,
          stories: 1,
          ratePerStory: P.rate,
          seconds: P.seconds,
        },
        m1,
        blRun(['one'], P.rate, P.seconds)(m1),
      );
      log(
        `  ${one.deliveriesPerSec} deliveries/s, p50/p99/max ${one.latencyMs.p50}/${one.latencyMs.p99}/${one.latencyMs.max} ms, cpu ${JSON.stringify(one.cpuPercent)}`,
      );
      log(`baseline: saturation`);
      const sat = await saturate((rate) => {
        const m = marker();
        return measure(
          pool,
          blCpu,
          {
            system: 'baseline',
            scenario: 'saturation',
            subscribers: P.subscribers,
            stories: 1,
            ratePerStory: rate,
            seconds: P.satSeconds,
          },
          m,
          blRun(['one'], rate, P.satSeconds)(m),
        );
      });
      await pool.close();
      log(`baseline: ${P.subscribers} subscribers over ${P.stories} stories`);
      assertOpened(
        'baseline spread',
        await pool.open(baseline.url, spreadSpecs, { ...open, marker: 'none' }),
      );
      const m2 = marker();
      const spreadR = await measure(
        pool,
        blCpu,
        {
          system: 'baseline',
          scenario: `${P.stories} stories`,
          subscribers: P.subscribers,
          stories: P.stories,
          ratePerStory: P.rate,
          seconds: P.seconds,
        },
        m2,
        blRun(spread, P.rate, P.seconds)(m2),
      );
      log(
        `  ${spreadR.deliveriesPerSec} deliveries/s, p50/p99/max ${spreadR.latencyMs.p50}/${spreadR.latencyMs.p99}/${spreadR.latencyMs.max} ms`,
      );
      await pool.close();
      bl = {
        memory: {
          before: bBefore,
          after: bAfter,
          rssPerSubscriber: round((bAfter.rss - bBefore.rss) / P.idle),
          heapPerSubscriber: round((bAfter.heapUsed - bBefore.heapUsed) / P.idle),
        },
        one,
        spread: spreadR,
        saturation: sat,
      };
    }

    clearTimeout(watchdog);
    await cleanup();
    const profiles = P.profile
      ? readdirSync(profileDir).map((f) => path.relative(process.cwd(), path.join(profileDir, f)))
      : [];
    report({
      memory,
      lfOne,
      lfSpread,
      storm,
      lfSat,
      bl,
      profiles,
      seconds: round((wallClock() - began) / 1000),
    });
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

async function stopApp(app: AppProcess): Promise<void> {
  const timer = setTimeout(() => app.kill('SIGKILL'), 10_000);
  await app.stop();
  clearTimeout(timer);
}

// ---- report --------------------------------------------------------------------------------

function report(r: {
  memory: {
    before: { rss: number; heapUsed: number };
    after: { rss: number; heapUsed: number };
    connectSeconds: number;
    rssPerSubscriber: number;
    heapPerSubscriber: number;
  };
  lfOne: LoadResult;
  lfSpread: LoadResult;
  storm: {
    secondsToHead: number;
    gaps: number;
    repeats: number;
    eventsOwed: number;
    eventsReceived: number;
    lastAckSeconds: number;
    failed: number;
    cpuPercent: Record<string, number>;
  };
  lfSat: LoadResult[];
  bl?: {
    memory: { rssPerSubscriber: number; heapPerSubscriber: number };
    one: LoadResult;
    spread: LoadResult;
    saturation: LoadResult[];
  };
  profiles: string[];
  seconds: number;
}): void {
  const { bl } = r;
  const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✓' : '✗');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const lat = (x: LoadResult) =>
    `p99 ${x.latencyMs.p99} ms (p50 ${x.latencyMs.p50}, max ${x.latencyMs.max})`;
  const committed = (x: LoadResult) =>
    x.committedMs
      ? `p99 ${x.committedMs.p99} ms (p50 ${x.committedMs.p50}, max ${x.committedMs.max})`
      : 'n/a';
  const rate = (x: LoadResult) =>
    `${x.deliveriesPerSec.toLocaleString('en')} /s (${x.delivered}/${x.expected})`;
  const best = (steps: LoadResult[]) =>
    steps.reduce((a, b) => (b.deliveriesPerSec > a.deliveriesPerSec ? b : a));
  const sustained = (steps: LoadResult[]) =>
    steps
      .filter(keptUp)
      .reduce<LoadResult | undefined>(
        (a, b) => (!a || b.offeredPerSec > a.offeredPerSec ? b : a),
        undefined,
      );
  const ratio = (a: number, b: number | undefined) => (b ? a / b : undefined);
  const lfBest = best(r.lfSat);
  const blBest = bl ? best(bl.saturation) : undefined;
  const lfSust = sustained(r.lfSat);
  const blSust = bl ? sustained(bl.saturation) : undefined;
  const oneRatio = ratio(r.lfOne.deliveriesPerSec, bl?.one.deliveriesPerSec);
  const spreadRatio = ratio(r.lfSpread.deliveriesPerSec, bl?.spread.deliveriesPerSec);
  const maxRatio = ratio(lfBest.deliveriesPerSec, blBest?.deliveriesPerSec);
  const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  const liveGaps = [r.lfOne, r.lfSpread, ...r.lfSat].reduce((s, x) => s + x.gaps + x.repeats, 0);

  const rows: [string, string, string, string, boolean | undefined][] = [
    [
      `${P.subscribers} subs × 1 story × ${P.rate} updates/s: publish→receive`,
      lat(r.lfOne),
      bl ? lat(bl.one) : 'n/a',
      `p99 ≤ ${TARGET.p99Ms} ms`,
      r.lfOne.latencyMs.p99 <= TARGET.p99Ms,
    ],
    [
      '  of which publish → committed event on NATS (ingest share)',
      committed(r.lfOne),
      'n/a',
      '(info)',
      undefined,
    ],
    [
      `  deliveries/s at equal offered load (${r.lfOne.offeredPerSec.toLocaleString('en')} /s)`,
      rate(r.lfOne),
      bl ? rate(bl.one) : 'n/a',
      `≥ 90 % of baseline (${pct(oneRatio)})`,
      oneRatio === undefined ? undefined : oneRatio >= TARGET.ratio,
    ],
    [
      `${P.subscribers} subs over ${P.stories} stories × ${P.rate} updates/s each: publish→receive`,
      lat(r.lfSpread),
      bl ? lat(bl.spread) : 'n/a',
      `p99 ≤ ${TARGET.p99Ms} ms`,
      r.lfSpread.latencyMs.p99 <= TARGET.p99Ms,
    ],
    [
      '  of which publish → committed event on NATS (ingest share)',
      committed(r.lfSpread),
      'n/a',
      '(info)',
      undefined,
    ],
    [
      `  deliveries/s at equal offered load (${r.lfSpread.offeredPerSec.toLocaleString('en')} /s)`,
      rate(r.lfSpread),
      bl ? rate(bl.spread) : 'n/a',
      `≥ 90 % of baseline (${pct(spreadRatio)})`,
      spreadRatio === undefined ? undefined : spreadRatio >= TARGET.ratio,
    ],
    [
      `max deliveries/s, ${P.subscribers} subs on 1 story (best saturation step)`,
      `${lfBest.deliveriesPerSec.toLocaleString('en')} /s at ${lfBest.ratePerStory} updates/s`,
      blBest
        ? `${blBest.deliveriesPerSec.toLocaleString('en')} /s at ${blBest.ratePerStory} updates/s`
        : 'n/a',
      `≥ 90 % of baseline (${pct(maxRatio)})`,
      maxRatio === undefined ? undefined : maxRatio >= TARGET.ratio,
    ],
    [
      '  highest step kept up (≥ 95 % delivered, p99 ≤ 1 s, no drops)',
      lfSust
        ? `${lfSust.offeredPerSec.toLocaleString('en')} /s offered, p99 ${lfSust.latencyMs.p99} ms`
        : 'none',
      blSust
        ? `${blSust.offeredPerSec.toLocaleString('en')} /s offered, p99 ${blSust.latencyMs.p99} ms`
        : 'n/a',
      '(info)',
      undefined,
    ],
    [
      `gateway memory per idle subscriber (${P.idle} sockets), RSS`,
      kb(r.memory.rssPerSubscriber),
      bl ? kb(bl.memory.rssPerSubscriber) : 'n/a',
      `≤ ${kb(TARGET.bytesPerIdle)}`,
      r.memory.rssPerSubscriber <= TARGET.bytesPerIdle,
    ],
    [
      '  heap used',
      kb(r.memory.heapPerSubscriber),
      bl ? kb(bl.memory.heapPerSubscriber) : 'n/a',
      '(info)',
      undefined,
    ],
    [
      `reconnect storm: ${P.storm} sockets, since ∈ 0..${P.stormVersion}, all at once → all at head`,
      Number.isNaN(r.storm.secondsToHead)
        ? `not all within 30 s (${r.storm.failed} failed)`
        : `${r.storm.secondsToHead} s (last ack ${r.storm.lastAckSeconds} s)`,
      'n/a',
      `≤ ${TARGET.stormSeconds} s`,
      r.storm.secondsToHead <= TARGET.stormSeconds,
    ],
    [
      '  storm gaps / repeats; events received / owed',
      `${r.storm.gaps} / ${r.storm.repeats}; ${r.storm.eventsReceived} / ${r.storm.eventsOwed}`,
      'n/a',
      '0 / 0; all',
      r.storm.gaps === 0 && r.storm.repeats === 0 && r.storm.eventsReceived === r.storm.eventsOwed,
    ],
    [
      'gaps + repeats in every live phase',
      String(liveGaps),
      bl
        ? String([bl.one, bl.spread, ...bl.saturation].reduce((s, x) => s + x.gaps + x.repeats, 0))
        : 'n/a',
      '0',
      liveGaps === 0,
    ],
  ];
  const cpuRow = (x: LoadResult) =>
    Object.entries(x.cpuPercent)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const ladder = (steps: LoadResult[]) =>
    steps.map(
      (x) =>
        `| ${x.system} | ${x.ratePerStory} | ${x.offeredPerSec.toLocaleString('en')} | ${x.deliveriesPerSec.toLocaleString('en')} | ${x.latencyMs.p50} / ${x.latencyMs.p99} / ${x.latencyMs.max} | ${x.committedMs ? `${x.committedMs.p50} / ${x.committedMs.p99}` : '–'} | ${x.disconnects} | ${cpuRow(x)} |`,
    );

  const md = [
    `# bench/fanout (${new Date().toISOString()})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; gateway + ingest as real processes on NATS + PostgreSQL; ${P.workers} client processes (${P.client} clients); whole run ${r.seconds} s.`,
    `Latency = receive time in a client process − publish time stamped in the report id (livefeed: JetStream publish → ingest → PostgreSQL → events stream → gateway → socket; baseline: socket.io emit → socket). Deliveries/s = events received ÷ (last receipt − first publish).`,
    '',
    '| scenario | measured (livefeed) | baseline (plain socket.io) | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(([a, b, c, d, e]) => `| ${a} | ${b} | ${c} | ${d} | ${mark(e)} |`),
    '',
    '## Saturation ladder (one story)',
    '',
    '| system | updates/s | offered deliveries/s | achieved deliveries/s | p50 / p99 / max ms | publish→committed p50 / p99 ms | dropped sockets | CPU % of one core |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...ladder(r.lfSat),
    ...(bl ? ladder(bl.saturation) : []),
    '',
    '## CPU during the fixed-rate windows (% of one core)',
    '',
    `- livefeed one story: ${cpuRow(r.lfOne)}`,
    `- livefeed ${P.stories} stories: ${cpuRow(r.lfSpread)}`,
    `- livefeed reconnect storm: ${Object.entries(r.storm.cpuPercent)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...(bl
      ? [
          `- baseline one story: ${cpuRow(bl.one)}`,
          `- baseline ${P.stories} stories: ${cpuRow(bl.spread)}`,
        ]
      : []),
    '',
    '`nats` and `postgres` are every such process on the machine (shared with anything else running).',
    '',
    '## Parameters',
    '',
    '```',
    Object.entries(P)
      .map(([k, v]) => `--${k}=${String(v)}`)
      .join(' '),
    '```',
    ...(r.profiles.length ? ['', `Gateway CPU profile: ${r.profiles.join(', ')}`] : []),
    '',
  ].join('\n');
  writeReport(
    'fanout',
    {
      machine: { cores: os.cpus().length, node: process.version, loadavg: os.loadavg() },
      params: P,
      targets: TARGET,
      ...r,
    },
    md,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
