/**
 * `storm`: `storm` sockets holding random versions 0..stormVersion of a story this gateway has
 * never served (it starts after the stories are filed) connect and subscribe with `since` all at
 * once, retrying failed connections like socket.io-client (1 s doubling to 5 s, ±50 %): time until
 * every socket holds the head; gaps, repeats, events received against events owed. Livefeed
 * serves the catch-up from its cache or PostgreSQL, the baseline from an in-memory copy of the
 * same events (one emit per event, as livefeed does). `resubscribe.ts` runs the same with the
 * sockets connected first.
 */
import { cpuPercent, cpuSample, type CpuSample } from '../../lib/cpu';
import { type Ctx, type System, urlOf } from '../context';
import type { Collected, Opened } from '../harness/workers';
import { listenOverflows, log, mulberry32, round, sleep } from '../harness/util';
import { P } from '../params';
import { type SocketSpec, wallClock } from '../protocol';

export type StormMode = 'connect' | 'resubscribe';

export interface StormResult {
  system: System;
  /** `connect`: connect and subscribe at once; `resubscribe`: connected first, subscribe at once. */
  mode: StormMode;
  sockets: number;
  headVersion: number;
  subscribed: number;
  failed: number;
  retries: number;
  errors: readonly string[];
  /** Connections the kernel dropped for a full listen queue meanwhile (clients resend the SYN). */
  listenOverflows: number;
  lastAckSeconds: number;
  atHead: number;
  secondsToHead: number;
  eventsOwed: number;
  eventsReceived: number;
  snapshots: number;
  gaps: number;
  repeats: number;
  cpuPercent: Record<string, number>;
  /** CPU time the server process spent on the storm (gateway or baseline server), seconds. */
  serverCpuSeconds: number;
}

/** Every socket claims a random version of the `storm` story (the same ones in every run). */
function stormSpecs(): SocketSpec[] {
  const rnd = mulberry32(42);
  return Array.from({ length: P.storm }, () => ({
    storyId: 'storm',
    since: Math.floor(rnd() * (P.stormVersion + 1)),
  }));
}

/** The baseline gets the story's events; `resubscribe` connects every socket beforehand. */
async function prepare(ctx: Ctx, system: System, mode: StormMode, specs: SocketSpec[]) {
  if (system === 'baseline') await ctx.baseline!.seed('storm', ctx.stormEvents);
  if (mode === 'resubscribe') {
    const o = await ctx.pool.open(urlOf(ctx, system), specs, {
      concurrency: P.connectConcurrency,
      deferSubscribe: true,
      marker: 'none',
    });
    log(`  ${system}: ${o.connected}/${o.requested} connected, not subscribed yet`);
  }
  await sleep(500);
}

/** All sockets at once: connect + subscribe, or subscribe the connected ones. */
function fire(ctx: Ctx, system: System, mode: StormMode, specs: SocketSpec[], marker: string) {
  return mode === 'connect'
    ? ctx.pool.open(urlOf(ctx, system), specs, {
        concurrency: 0,
        spreadMs: P.stormSpreadMs,
        headVersion: P.stormVersion,
        timeoutMs: P.stormWaitSeconds * 1000,
        marker,
      })
    : ctx.pool.subscribeAll({ headVersion: P.stormVersion, marker });
}

/** Polls until every socket holds the head, or `stormWaitSeconds` after the start. */
async function atHead(ctx: Ctx, start: number) {
  let count = await ctx.pool.count();
  while (count.atHead < P.storm && wallClock() < start + P.stormWaitSeconds * 1000) {
    await sleep(100);
    count = await ctx.pool.count();
  }
  return count;
}

/** The reconnect storm: every socket connects and subscribes at once. */
export const storm = (ctx: Ctx, system: System): Promise<StormResult> =>
  runStorm(ctx, system, 'connect');

export async function runStorm(ctx: Ctx, system: System, mode: StormMode): Promise<StormResult> {
  const specs = stormSpecs();
  const owed = specs.reduce((s, spec) => s + (P.stormVersion - (spec.since ?? 0)), 0);
  await prepare(ctx, system, mode, specs);
  const cpu0 = cpuSample(ctx.cpu[system]);
  const overflows0 = listenOverflows();
  const start = wallClock();
  const opened = await fire(ctx, system, mode, specs, ctx.marker());
  const count = await atHead(ctx, start);
  const cpu1 = cpuSample(ctx.cpu[system]);
  const c = await ctx.pool.collect();
  await ctx.pool.close();
  const cpu = cpuPercent(cpu0, cpu1);
  const result: StormResult = {
    system,
    mode,
    sockets: P.storm,
    headVersion: P.stormVersion,
    subscribed: opened.acked,
    failed: opened.failed + opened.refused,
    retries: opened.retries,
    errors: opened.errors,
    listenOverflows: listenOverflows() - overflows0,
    lastAckSeconds: round((opened.lastAckAt - start) / 1000, 2),
    atHead: count.atHead,
    secondsToHead:
      count.atHead === P.storm ? round((count.allAtHeadAt - start) / 1000, 2) : Number.NaN,
    eventsOwed: owed,
    eventsReceived: c.events,
    snapshots: c.snapshots,
    gaps: c.gaps,
    repeats: c.repeats,
    cpuPercent: cpu,
    serverCpuSeconds: serverCpuSeconds(
      cpu[system === 'livefeed' ? 'gateway' : 'server'],
      cpu0,
      cpu1,
    ),
  };
  logStorm(result, opened, c);
  return result;
}

/** The server's (gateway or baseline server) % of one core between two samples, in CPU-seconds. */
function serverCpuSeconds(percent: number | undefined, cpu0: CpuSample, cpu1: CpuSample): number {
  return round((((percent ?? 0) / 100) * (cpu1.at - cpu0.at)) / 1000, 1);
}

function logStorm(result: StormResult, opened: Opened, c: Collected): void {
  log(
    `  ${result.system} ${result.mode} storm: ${result.subscribed}/${P.storm} subscribed (${result.retries} retries, ` +
      `${result.listenOverflows} listen-queue overflows, last ack ${result.lastAckSeconds} s), ` +
      `all at head after ${result.secondsToHead} s; ${c.events}/${result.eventsOwed} events, ${c.gaps} gaps, ` +
      `${c.repeats} repeats; cpu ${JSON.stringify(result.cpuPercent)}` +
      (opened.errors.length ? `; errors: ${opened.errors.join('; ')}` : ''),
  );
}
