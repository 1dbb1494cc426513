/**
 * The app processes as the bench sees them: starting a build, its log, and the gateway's /metrics
 * (memory, the publish→emit histogram, event-loop delay, GC).
 */
import { type AppProcess, startApp } from '../../../test/support/processes';
import { round } from './util';

/**
 * `startApp` of test/support, or the same for another build of the app (`entry`: its main.js),
 * e.g. to measure a known-good ingest while the working tree's is mid-change. `INGEST_NODE_ARGS`
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to the ingest process, as in bench/ingest, and
 * `GATEWAY_NODE_ARGS` to the gateway.
 */
export function startBuilt(
  app: 'ingest' | 'gateway',
  env: Record<string, string>,
  entry?: string,
): Promise<AppProcess> {
  const args = app === 'ingest' ? process.env.INGEST_NODE_ARGS : process.env.GATEWAY_NODE_ARGS;
  const execArgv = args?.split(' ').filter(Boolean) ?? [];
  return startApp(app, env, { execArgv, ...(entry ? { entry } : {}) });
}

/** SIGTERM and wait; SIGKILL after 10 s. */
export async function stopApp(app: AppProcess): Promise<void> {
  const timer = setTimeout(() => app.kill('SIGKILL'), 10_000);
  await app.stop();
  clearTimeout(timer);
}

/** The inspector's WebSocket URL of an app started with `--inspect=127.0.0.1:0`, if any. */
export function inspectorUrl(app: AppProcess): string | undefined {
  const line = app.lines.find((l) => l.includes('Debugger listening on'));
  return line ? /ws:\/\/\S+/.exec(line)?.[0] : undefined;
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
