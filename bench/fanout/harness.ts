/**
 * Plumbing of bench/fanout: the client worker pool, the baseline server process, CPU accounting
 * from /proc, and memory readings of the gateway. No measurement policy here.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { type AppProcess, startApp } from '../../test/support/processes';
import { summarise } from '../lib/stats';
import {
  type BaselineCommand,
  type BaselineReply,
  type ClientKind,
  type CollectResult,
  type CountResult,
  type EventTemplate,
  type OpenResult,
  type SocketSpec,
  type StoredEvent,
  type WorkerCommand,
  type WorkerReply,
} from './protocol';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- app processes -------------------------------------------------------------------------

/**
 * `startApp` of test/support, or the same for another build of the app (`entry`: its main.js),
 * e.g. to measure a known-good ingest while the working tree's is mid-change.
 */
export function startBuilt(
  app: 'ingest' | 'gateway',
  env: Record<string, string>,
  entry?: string,
): Promise<AppProcess> {
  return startApp(app, env, entry ? { entry } : {});
}

// ---- CPU accounting (Linux /proc): shared with bench/ingest ------------------------------

export { cpuPercent, cpuSample, pidsNamed, type CpuGroups, type CpuSample } from '../lib/cpu';

/** TCP connections the kernel dropped because a listen queue was full (machine-wide counter). */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  if (i < 0) return Number.NaN;
  const names = lines[i].split(/\s+/);
  const values = lines[i + 1].split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')]);
}

// ---- client workers ------------------------------------------------------------------------

export type Opened = Awaited<ReturnType<WorkerPool['open']>>;
export type Collected = Awaited<ReturnType<WorkerPool['collect']>>;

export class WorkerPool {
  private readonly procs: ChildProcess[] = [];
  private readonly waiters = new Map<ChildProcess, Map<string, ((m: WorkerReply) => void)[]>>();

  constructor(
    private readonly kind: ClientKind,
    private readonly reservoir: number,
  ) {}

  async start(n: number): Promise<void> {
    const file = path.join(__dirname, 'client-worker.ts');
    const ready: Promise<WorkerReply>[] = [];
    for (let i = 0; i < n; i++) {
      const child = fork(file, [this.kind, String(this.reservoir)], {
        execArgv: [...process.execArgv, '--max-old-space-size=1024'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.procs.push(child);
      this.waiters.set(child, new Map());
      child.on('message', (m: WorkerReply) => this.waiters.get(child)?.get(m.type)?.shift()?.(m));
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

  private all<T extends WorkerReply>(
    cmd: WorkerCommand | ((i: number) => WorkerCommand),
    type: T['type'],
  ): Promise<T[]> {
    return Promise.all(
      this.procs.map((child, i) => {
        const reply = this.next<T>(child, type);
        child.send(typeof cmd === 'function' ? cmd(i) : cmd);
        return reply;
      }),
    );
  }

  /** Opens and subscribes the sockets, split round-robin over the workers. */
  async open(
    url: string,
    sockets: readonly SocketSpec[],
    opts: {
      concurrency: number;
      headVersion?: number;
      spreadMs?: number;
      deferSubscribe?: boolean;
      timeoutMs?: number;
      marker: string;
    },
  ) {
    const n = this.procs.length;
    const parts = this.procs.map((_, i) => sockets.filter((_s, j) => j % n === i));
    return this.sum(
      await this.all<OpenResult>(
        (i) => ({ op: 'open', url, sockets: parts[i], ...opts }),
        'opened',
      ),
    );
  }

  /** Subscribes, at once, every socket opened with `deferSubscribe`. */
  async subscribeAll(opts: { headVersion?: number; marker: string }) {
    return this.sum(await this.all<OpenResult>({ op: 'subscribe', ...opts }, 'opened'));
  }

  private sum(results: OpenResult[]) {
    type Summed = 'requested' | 'connected' | 'acked' | 'refused' | 'failed' | 'retries' | 'atHead';
    const sum = (k: Summed) => results.reduce((s, r) => s + r[k], 0);
    return {
      requested: sum('requested'),
      connected: sum('connected'),
      acked: sum('acked'),
      refused: sum('refused'),
      failed: sum('failed'),
      retries: sum('retries'),
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
    // Each worker holds a uniform sample of its latencies (all of them while they fit). Merge them
    // so that each worker weighs what it received: thin the larger samples to the sparsest rate.
    const total = results.reduce((s, r) => s + r.deliveries, 0);
    const rate = Math.min(
      ...results.map((r) => (r.deliveries > 0 ? r.latencies.length / r.deliveries : 1)),
    );
    const latencies: number[] = [];
    for (const r of results) {
      const want = Math.min(r.latencies.length, Math.round(r.deliveries * rate));
      const stride = r.latencies.length / Math.max(1, want);
      for (let i = 0; i < want; i++) latencies.push(r.latencies[Math.floor(i * stride)]);
    }
    type Summed = 'events' | 'snapshots' | 'gaps' | 'repeats' | 'disconnects' | 'atHead';
    const sum = (k: Summed) => results.reduce((s, r) => s + r[k], 0);
    const firsts = results.map((r) => r.firstAt).filter((t) => !Number.isNaN(t));
    const lasts = results.map((r) => r.lastAt).filter((t) => !Number.isNaN(t));
    return {
      deliveries: total,
      events: sum('events'),
      snapshots: sum('snapshots'),
      latency: {
        ...summarise(latencies),
        count: total,
        max: round(Math.max(0, ...results.map((r) => r.latencyMax)), 2),
      },
      firstAt: firsts.length ? Math.min(...firsts) : Number.NaN,
      lastAt: lasts.length ? Math.max(...lasts) : Number.NaN,
      gaps: sum('gaps'),
      repeats: sum('repeats'),
      disconnects: sum('disconnects'),
      atHead: sum('atHead'),
    };
  }

  async close(): Promise<void> {
    await this.all({ op: 'close' }, 'closed');
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((child) => stopChild(child, { op: 'exit' })));
  }
}

async function stopChild(child: ChildProcess, exit: WorkerCommand | BaselineCommand) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.connected) child.send(exit);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

// ---- baseline server -----------------------------------------------------------------------

export class Baseline {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(backlog = 4096): Promise<Baseline> {
    const child = fork(path.join(__dirname, 'baseline-server.ts'), [String(backlog)], {
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

  seed(storyId: string, events: readonly StoredEvent[]) {
    return this.ask<Extract<BaselineReply, { type: 'seeded' }>>(
      { op: 'seed', storyId, events },
      'seeded',
    );
  }

  /** RSS and heap used after a full GC (the server runs with --expose-gc). */
  memory() {
    return this.ask<Extract<BaselineReply, { type: 'memory' }>>({ op: 'memory' }, 'memory');
  }

  stop(): Promise<void> {
    return stopChild(this.child, { op: 'exit' });
  }
}

// ---- gateway memory ------------------------------------------------------------------------

export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

/** RSS and heap used from the gateway's Prometheus default metrics. */
export async function gatewayMemory(url: string): Promise<Memory> {
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

/** One scrape of the gateway's /metrics: what the bench reads to explain a window's latency. */
export interface GatewayScrape {
  /** `publish_to_emit_seconds` cumulative buckets by `le` (seconds). */
  readonly emit: Map<number, number>;
  /** GC seconds and collections by kind (major, minor, incremental, weakcb), cumulative. */
  readonly gcSeconds: Record<string, number>;
  readonly gcCount: Record<string, number>;
  /** Event loop delay since the previous scrape (prom-client resets it on every scrape), seconds. */
  readonly loopLagMax: number;
  readonly loopLagP99: number;
}

export async function scrapeGateway(url: string): Promise<GatewayScrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const emit = new Map<number, number>();
  const bucket = /^\w*publish_to_emit_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)/gm;
  for (const m of text.matchAll(bucket)) {
    emit.set(m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  }
  const byKind = (suffix: string) => {
    const out: Record<string, number> = {};
    const re = new RegExp(
      `^\\w*nodejs_gc_duration_seconds_${suffix}\\{[^}]*kind="(\\w+)"[^}]*\\} (\\S+)`,
      'gm',
    );
    for (const m of text.matchAll(re)) out[m[1]] = Number(m[2]);
    return out;
  };
  const value = (name: string) =>
    Number(new RegExp(`^\\w*${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    emit,
    gcSeconds: byKind('sum'),
    gcCount: byKind('count'),
    loopLagMax: value('nodejs_eventloop_lag_max_seconds'),
    loopLagP99: value('nodejs_eventloop_lag_p99_seconds'),
  };
}

/** What happened in the gateway between two scrapes. */
export function gatewayWindow(a: GatewayScrape, b: GatewayScrape) {
  const gc: Record<string, { ms: number; count: number }> = {};
  for (const kind of Object.keys(b.gcSeconds)) {
    const count = (b.gcCount[kind] ?? 0) - (a.gcCount[kind] ?? 0);
    if (count > 0) {
      const ms = ((b.gcSeconds[kind] ?? 0) - (a.gcSeconds[kind] ?? 0)) * 1000;
      gc[kind] = { ms: round(ms, 1), count };
    }
  }
  return {
    recordedToEmit: histogramDelta(a.emit, b.emit),
    loopLagMaxMs: round(b.loopLagMax * 1000, 1),
    loopLagP99Ms: round(b.loopLagP99 * 1000, 1),
    gc,
  };
}

/** Quantile bounds ("≤ x ms") of the observations between two readings of a histogram. */
export function histogramDelta(a: Map<number, number>, b: Map<number, number>) {
  const les = [...b.keys()].sort((x, y) => x - y);
  const count = b.get(Number.POSITIVE_INFINITY) ?? 0;
  const total = count - (a.get(Number.POSITIVE_INFINITY) ?? 0);
  const bound = (q: number) => {
    if (total <= 0) return 'n/a';
    for (const le of les) {
      if ((b.get(le) ?? 0) - (a.get(le) ?? 0) >= q * total) {
        return le === Number.POSITIVE_INFINITY
          ? `> ${les[les.length - 2] * 1000} ms`
          : `≤ ${le * 1000} ms`;
      }
    }
    return 'n/a';
  };
  return { count: total, p50: bound(0.5), p99: bound(0.99) };
}

/** The inspector's WebSocket URL of an app started with `--inspect=127.0.0.1:0`, if any. */
export function inspectorUrl(app: AppProcess): string | undefined {
  const line = app.lines.find((l) => l.includes('Debugger listening on'));
  return line ? /ws:\/\/\S+/.exec(line)?.[0] : undefined;
}

/** A Chrome DevTools Protocol session with an app's inspector. */
export class Inspector {
  private next = 1;
  private readonly pending = new Map<
    number,
    { ok: (r: unknown) => void; fail: (e: Error) => void }
  >();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      const waiter = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id!);
      if (m.error) waiter.fail(new Error(JSON.stringify(m.error)));
      else waiter.ok(m.result);
    });
  }

  static async open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url, { maxPayload: 1024 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Inspector(ws);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 60_000);
      const done = () => clearTimeout(timer);
      this.pending.set(id, {
        ok: (r) => (done(), resolve(r as T)),
        fail: (e) => (done(), reject(e)),
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * A full GC in an app started with `--inspect`, through the inspector protocol
 * (`HeapProfiler.collectGarbage`): no code of the app is involved. False when it did not work.
 */
export async function collectGarbage(url: string | undefined): Promise<boolean> {
  if (!url) return false;
  let session: Inspector | undefined;
  try {
    session = await Inspector.open(url);
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.collectGarbage');
    return true;
  } catch {
    return false;
  } finally {
    session?.close();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  startTime: number;
  endTime: number;
}

/** Samples an app's CPU (V8's profiler, over the inspector) while `during` runs. */
export async function profileWhile<T>(
  url: string | undefined,
  during: () => Promise<T>,
): Promise<{ result: T; profile?: CpuProfile }> {
  if (!url) return { result: await during() };
  const session = await Inspector.open(url);
  try {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 500 });
    await session.send('Profiler.start');
    const result = await during();
    const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
    await session.send('Profiler.disable');
    return { result, profile };
  } finally {
    session.close();
  }
}

/**
 * Where a profile's samples fell: by function (self time) and by origin — livefeed's own code,
 * each npm package, Node internals, GC, idle.
 */
export function summariseProfile(profile: CpuProfile, top = 15) {
  const total = profile.nodes.reduce((s, node) => s + (node.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    const origin =
      pkg ??
      (file.startsWith('node:')
        ? 'node internals'
        : file.includes('/dist/')
          ? 'livefeed code (dist)'
          : functionName.startsWith('(')
            ? functionName
            : file
              ? 'other'
              : 'native / V8 builtins');
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + hits);
    const where = file ? `${path.basename(file)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim() + (pkg ? ` [${pkg}]` : '');
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  const share = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, percent: round((hits / total) * 100, 1) }));
  return {
    seconds: round((profile.endTime - profile.startTime) / 1e6, 1),
    byOrigin: share(byOrigin),
    byFunction: share(byFunction),
  };
}

/** Median of five readings, each after `gc`, once things had 1.5 s to settle. */
export async function sampleMemory(
  read: () => Promise<Memory>,
  gc: () => Promise<unknown>,
): Promise<Memory> {
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

// ---- app logs ------------------------------------------------------------------------------

/** Warnings and errors an app logged (pino level ≥ 40), by message, from `app.lines`. */
export function warnings(app: AppProcess): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of app.lines) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40) out[entry.msg ?? '?'] = (out[entry.msg ?? '?'] ?? 0) + 1;
    } catch {
      if (/error/i.test(line)) out[line.slice(0, 120)] = (out[line.slice(0, 120)] ?? 0) + 1;
    }
  }
  return out;
}

// ---- heap sampling -------------------------------------------------------------------------

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Starts V8's sampling heap profiler in an app; `stop` returns where live memory was allocated. */
export async function sampleHeap(url: string | undefined) {
  if (!url) return undefined;
  const session = await Inspector.open(url);
  await session.send('HeapProfiler.enable');
  await session.send('HeapProfiler.startSampling', { samplingInterval: 1024 });
  return {
    /** Live allocations (after a GC, only what is retained), by allocating stack, top first. */
    async stop(per: number, top = 12) {
      try {
        const { profile } = await session.send<{ profile: { head: HeapNode } }>(
          'HeapProfiler.stopSampling',
        );
        const bySite = new Map<string, number>();
        const byOrigin = new Map<string, number>();
        const walk = (node: HeapNode, stack: string[], origin: string) => {
          const { functionName, url: file, lineNumber } = node.callFrame;
          const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
          // Whose code asked for the memory: the innermost frame outside Node and rxjs internals.
          const mine = pkg ?? (file.includes('/dist/') ? 'livefeed code (dist)' : undefined);
          const owner = mine && !(pkg === 'rxjs' && origin !== '(unknown)') ? mine : origin;
          const frame = file
            ? `${functionName || '(anonymous)'} ${path.basename(file)}:${lineNumber + 1}${pkg ? ` [${pkg}]` : ''}`
            : functionName;
          const here = [...stack, frame].slice(-3);
          if (node.selfSize > 0) {
            const key = here.join(' ← ');
            bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
            byOrigin.set(owner, (byOrigin.get(owner) ?? 0) + node.selfSize);
          }
          for (const child of node.children) walk(child, here, owner);
        };
        walk(profile.head, [], '(unknown)');
        const total = [...bySite.values()].reduce((s, x) => s + x, 0);
        return {
          bytesPerUnit: round(total / per),
          byOrigin: [...byOrigin.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([origin, bytes]) => ({ origin, bytesPerUnit: round(bytes / per) })),
          sites: [...bySite.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, top)
            .map(([site, bytes]) => ({ site, bytesPerUnit: round(bytes / per) })),
        };
      } finally {
        await session.send('HeapProfiler.disable').catch(() => undefined);
        session.close();
      }
    },
  };
}
