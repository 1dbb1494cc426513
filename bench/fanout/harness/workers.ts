/**
 * The client worker pool of bench/fanout: `workers` processes (client-worker.ts), each holding a
 * share of the sockets, driven over IPC. No measurement policy here.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { summarise } from '../../lib/stats';
import {
  type BaselineCommand,
  type ClientKind,
  type CollectResult,
  type CountResult,
  type OpenResult,
  type SocketSpec,
  type WorkerCommand,
  type WorkerReply,
} from '../protocol';
import { round } from './util';

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
    const file = path.join(__dirname, '..', 'client-worker.ts');
    const ready: Promise<WorkerReply>[] = [];
    for (let i = 0; i < n; i++) {
      const child = fork(file, [this.kind, String(this.reservoir)], {
        // CLIENT_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to every client process.
        execArgv: [
          ...process.execArgv,
          '--max-old-space-size=1024',
          ...(process.env.CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        ],
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
    const stamps: number[] = [];
    for (const r of results) {
      const want = Math.min(r.latencies.length, Math.round(r.deliveries * rate));
      const stride = r.latencies.length / Math.max(1, want);
      for (let i = 0; i < want; i++) {
        const k = Math.floor(i * stride);
        latencies.push(r.latencies[k]);
        stamps.push(r.stamps[k]);
      }
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
      /** The merged sample itself, with the publish time of each latency. */
      sample: { latencies, stamps },
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

/** Asks a child process to exit; SIGKILL after 3 s. */
export async function stopChild(child: ChildProcess, exit: WorkerCommand | BaselineCommand) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.connected) child.send(exit);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
