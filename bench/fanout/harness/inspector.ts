/**
 * The gateway's V8 over the inspector protocol (it runs with `--inspect=127.0.0.1:0`): full GCs
 * before memory readings, CPU profiles, and heap sampling by allocation site.
 */
import path from 'node:path';
import WebSocket from 'ws';
import { round } from './util';

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

export type ProfileSummary = ReturnType<typeof summariseProfile>;

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
    async stop(per: number, top = 12): Promise<RetainedBySite> {
      try {
        const { profile } = await session.send<{ profile: { head: HeapNode } }>(
          'HeapProfiler.stopSampling',
        );
        return retainedBySite(profile.head, per, top);
      } finally {
        await session.send('HeapProfiler.disable').catch(() => undefined);
        session.close();
      }
    },
  };
}

export interface RetainedBySite {
  bytesPerUnit: number;
  byOrigin: { origin: string; bytesPerUnit: number }[];
  sites: { site: string; bytesPerUnit: number }[];
}

/** A sampled heap profile per `per` units: by allocating stack (3 frames) and by origin. */
function retainedBySite(head: HeapNode, per: number, top: number): RetainedBySite {
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
  walk(head, [], '(unknown)');
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
}
