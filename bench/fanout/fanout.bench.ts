/**
 * bench/fanout — live push from publish to the reader's socket, on this machine, with the ingest
 * and gateway apps as real processes against real NATS and PostgreSQL, beside a plain socket.io
 * server (bench/fanout/baseline-server.ts, no livefeed code) measured in the same run.
 *
 *   npx nest build ingest && npx nest build gateway
 *   npx tsx bench/fanout/fanout.bench.ts [--subscribers=2000] [--rate=20] [--seconds=10]
 *     [--stories=100] [--spreadRate=<rate>] [--idle=5000] [--storm=5000] [--stormVersion=300]
 *     [--stormSpreadMs=0] [--stormWaitSeconds=30] [--workers=4] [--connectConcurrency=50]
 *     [--satStart=25] [--satFactor=1.5] [--satSteps=6] [--satSeconds=4] [--client=raw|sio]
 *     [--scenarios=memory,one,spread,saturation,storm,resubscribe] [--baseline=1] [--baselineBacklog=4096]
 *     [--gc=1] [--profile=0] [--deadline=420] [--ingestEntry=<main.js>] [--gatewayEntry=<main.js>]
 *
 * Scenarios, livefeed then baseline back to back (so both see the same machine):
 * - `memory`: gateway RSS and heap (its /metrics) before and after `idle` subscribed sockets that
 *   receive nothing, each reading after a full GC: the gateway runs with `--inspect=127.0.0.1:0`
 *   and the bench asks V8 for a collection over the inspector protocol (`--gc=0`: no GC, medians).
 * - `one`: `subscribers` sockets on one story, `rate` updates/s for `seconds`: deliveries/s and
 *   publish→receive latency. Livefeed updates are `entry.posted` reports published to JetStream
 *   with id `<marker>:<seq>:<publish epoch ms>`; the baseline emits events of the same shape and
 *   size stamped with their emit time. The bench also times each report to its event on
 *   `<root>.events.*` (publish→committed), which splits livefeed's latency into ingest and gateway.
 * - `spread`: the same number of sockets over `stories` stories, every story at `spreadRate`
 *   updates/s (default `rate`: every socket still receives `rate` events/s, deliveries/s compare
 *   with `one`, and ingest takes `stories × rate` reports/s).
 * - `saturation`: `one`'s layout at `satStart × satFactor^k` updates/s, `satSeconds` per step,
 *   until two steps in a row achieve < 85 % of their offered rate (or a socket is dropped). Max
 *   deliveries/s = the best rate a step achieved (an overloaded step delivers at capacity,
 *   backlog included); "kept up" = ≥ 95 % delivered within 3 s, p99 ≤ 1 s, no drops.
 * - `storm`: `storm` sockets holding random versions 0..stormVersion of a story this gateway has
 *   never served (it starts after the stories are filed) connect and subscribe with `since` all at
 *   once, retrying failed connections like socket.io-client (1 s doubling to 5 s, ±50 %): time
 *   until every socket holds the head; gaps, repeats, events received against events owed. The
 *   baseline serves the same catch-up (the same events, one emit each) from memory.
 * - `resubscribe`: the same, but the sockets connect first (no listen-queue trouble) and then all
 *   subscribe with `since` at the same moment: the catch-up work alone.
 *
 * Load: `workers` processes (client-worker.ts) share the sockets. CPU time of every process over
 * each window is reported (% of one core), with the machine's total, to show what saturated.
 * `--profile=1` also samples the gateway's CPU over each livefeed scenario (V8 profiler over the
 * inspector; <tmpdir>/livefeed-fanout/fanout-gateway-<scenario>.cpuprofile, summarised in the
 * report) and
 * the heap retained per idle subscriber by allocation site.
 *
 * Read the baseline column knowing that the baseline pays neither for ingest, NATS and PostgreSQL
 * (which share the same cores with livefeed's gateway) nor for the wait before an event reaches the
 * gateway: its latency starts at its own emit.
 *
 * Everything runs on 127.0.0.1; the database and both streams are deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { subjectsFor, type Subjects } from '@livefeed/common';
import { createTestDatabase } from '@livefeed/common/testing';
import { JetStreamPipeline } from '@livefeed/messaging';
import type { AppProcess } from '../../test/support/processes';
import { arg, writeReport } from '../lib/report';
import { summarise } from '../lib/stats';
import {
  Baseline,
  type CpuGroups,
  type Memory,
  type Opened,
  WorkerPool,
  collectGarbage,
  cpuPercent,
  cpuSample,
  gatewayMemory,
  gatewayWindow,
  inspectorUrl,
  listenOverflows,
  pidsNamed,
  profileWhile,
  round,
  sampleHeap,
  scrapeGateway,
  sampleMemory,
  sleep,
  startBuilt,
  summariseProfile,
  warnings,
} from './harness';
import {
  type EventTemplate,
  type SocketSpec,
  type StoredEvent,
  stampId,
  stampOf,
  wallClock,
} from './protocol';

const strArg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

const SCENARIOS = ['memory', 'one', 'spread', 'saturation', 'storm', 'resubscribe'] as const;
type Scenario = (typeof SCENARIOS)[number];

const P = {
  subscribers: arg('subscribers', 2000),
  rate: arg('rate', 20),
  seconds: arg('seconds', 10),
  stories: arg('stories', 100),
  /** Updates/s per story in `spread`; by default `rate`, so every socket gets as many as in `one`. */
  spreadRate: arg('spreadRate', arg('rate', 20)),
  idle: arg('idle', 5000),
  storm: arg('storm', 5000),
  stormVersion: arg('stormVersion', 300),
  /** 0: every storm socket connects at the same instant; else each after a random delay ≤ this. */
  stormSpreadMs: arg('stormSpreadMs', 0),
  /** How long the storm may take before the sockets not at head are counted as such. */
  stormWaitSeconds: arg('stormWaitSeconds', 30),
  workers: arg('workers', 4),
  connectConcurrency: arg('connectConcurrency', 50),
  satStart: arg('satStart', 25),
  satFactor: arg('satFactor', 1.5),
  satSteps: arg('satSteps', 6),
  satSeconds: arg('satSeconds', 4),
  client: (strArg('client', 'raw') === 'sio' ? 'sio' : 'raw') as 'raw' | 'sio',
  scenarios: strArg('scenarios', SCENARIOS.join(','))
    .split(',')
    .filter((s): s is Scenario => (SCENARIOS as readonly string[]).includes(s)),
  baseline: arg('baseline', 1) !== 0,
  /** The baseline server's listen backlog: the gateway's default `listenBacklog`, for a fair storm. */
  baselineBacklog: arg('baselineBacklog', 4096),
  gc: arg('gc', 1) !== 0,
  profile: arg('profile', 0) !== 0,
  deadline: arg('deadline', 420),
  /** Another build's main.js to run instead of dist/apps/<app> (compare builds). */
  ingestEntry: strArg('ingestEntry', '') || undefined,
  gatewayEntry: strArg('gatewayEntry', '') || undefined,
  reservoir: arg('reservoir', 100_000),
};
const runs = (s: Scenario) => P.scenarios.includes(s);

const TARGET = { p99Ms: 100, ratio: 0.9, bytesPerIdle: 20 * 1024, stormSeconds: 10 };
const BODY =
  '<p>Shelling reported overnight near the river crossing; residents sheltered in basements.</p>';
/** CPU profiles are large: they go to the temp directory, not bench/results. */
const PROFILES = path.join(os.tmpdir(), 'livefeed-fanout');
const enc = new TextEncoder();
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

// ---- livefeed: filing reports --------------------------------------------------------------

interface Published {
  sent: number;
  startedAt: number;
  endedAt: number;
  /** Deliveries owed: for each update, the subscribers of its story. */
  expectedDeliveries: number;
}

/** `entry.posted` reports at a fixed rate, round-robin over the stories, ids stamped with the time. */
async function publishReports(
  js: JetStreamPipeline,
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
    const wait = startedAt + (i * 1000) / perSecond - wallClock();
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
    const p = js.publish(subjects.reports(storyId), enc.encode(JSON.stringify(report)), id);
    expectedDeliveries += subscribersOf(storyId);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 2000) await Promise.race(inflight);
  }
  const endedAt = wallClock();
  await Promise.all(inflight);
  return { sent: total, startedAt, endedAt, expectedDeliveries };
}

/** Files reports and waits until each became an event (fails on a rejection). Returns the events. */
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
      const bytes = enc.encode(JSON.stringify(r));
      inflight.push(js.publish(subjects.reports(r.storyId), bytes, { msgID: r.id }));
      if (inflight.length >= 500) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    const deadline = Date.now() + 60_000;
    while (pending.size > 0 && !rejection && Date.now() < deadline) await sleep(20);
    if (rejection) throw new Error(`a setup report was rejected: ${rejection}`);
    if (pending.size > 0) throw new Error(`${pending.size} setup reports did not become events`);
    return events;
  } finally {
    subEvents.unsubscribe();
    subRejections.unsubscribe();
  }
}

/**
 * Times each report of a window from publish to the first appearance of its event on
 * `<root>.events.<story>` (committed and published by ingest, as the gateway's feed gets it).
 * Later copies of an event (ingest re-publishes the events of redelivered reports; the stream
 * drops them by message id) are counted, not timed.
 */
function tapEvents(nc: NatsConnection, subjects: Subjects) {
  return (marker: string) => {
    const samples: number[] = [];
    const seen = new Set<string>();
    let republished = 0;
    const sub = nc.subscribe(subjects.eventsAll, {
      callback: (_e: Error | null, msg: Msg) => {
        const now = wallClock();
        const { reportId } = msg.json<{ reportId?: string }>();
        if (typeof reportId !== 'string' || !reportId.startsWith(`${marker}:`)) return;
        if (seen.has(reportId)) {
          republished += 1;
          return;
        }
        seen.add(reportId);
        samples.push(now - stampOf(reportId));
      },
    });
    return () => {
      sub.unsubscribe();
      return { ...summarise(samples), republished };
    };
  };
}
type Tap = ReturnType<typeof tapEvents>;

interface IngestHealth {
  reports: number;
  deliveries: number;
  redelivered: number;
  ackPending: number;
  pending: number;
}

/** How often ingest's consumer was handed each report (1 when every report was acked at once). */
async function ingestHealth(nc: NatsConnection, subjects: Subjects): Promise<IngestHealth> {
  const jsm = await jetstreamManager(nc);
  const stream = await jsm.streams.info(subjects.reportsStream);
  const [consumer] = await jsm.consumers.list(subjects.reportsStream).next();
  return {
    reports: stream.state.messages,
    deliveries: consumer?.delivered.consumer_seq ?? 0,
    redelivered: consumer?.num_redelivered ?? 0,
    ackPending: consumer?.num_ack_pending ?? 0,
    pending: consumer?.num_pending ?? 0,
  };
}

// ---- one load window -----------------------------------------------------------------------

type System = 'livefeed' | 'baseline';
type Latency = ReturnType<typeof summarise>;

interface LoadResult {
  system: System;
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
  /** How far the publisher was behind its schedule at its last update (ms). */
  publishLagMs: number;
  latencyMs: Latency;
  /**
   * Livefeed only: publish → event on the events stream (ingest: decide, commit, publish), and
   * how many extra copies of those events ingest published in the window.
   */
  committedMs?: Latency & { republished: number };
  /**
   * Livefeed only, from the gateway's /metrics over the window: its `publish_to_emit_seconds`
   * histogram (recordedAt → broadcast; bucket bounds, so "≤ x ms"), the worst event-loop delay,
   * and GC time by kind.
   */
  gateway?: ReturnType<typeof gatewayWindow>;
  gaps: number;
  repeats: number;
  disconnects: number;
  cpuPercent: Record<string, number>;
}

type Meta = Pick<
  LoadResult,
  'system' | 'scenario' | 'subscribers' | 'stories' | 'ratePerStory' | 'seconds'
>;

async function measure(
  ctx: Ctx,
  meta: Meta,
  publish: (marker: string) => Promise<Published>,
): Promise<LoadResult> {
  const marker = ctx.marker();
  ctx.pool.reset(marker);
  const untap = meta.system === 'livefeed' ? ctx.tap(marker) : undefined;
  const scrape0 = meta.system === 'livefeed' ? await scrape(ctx) : undefined;
  await sleep(50);
  const cpu0 = cpuSample(ctx.cpu[meta.system]);
  const pub = await publish(marker);
  // Wait for what is owed: at most 3 s after the last update, less once nothing moved for 1.5 s.
  let last = -1;
  let stillSince = wallClock();
  for (;;) {
    const { deliveries } = await ctx.pool.count();
    if (deliveries >= pub.expectedDeliveries) break;
    const now = wallClock();
    if (deliveries !== last) [last, stillSince] = [deliveries, now];
    if (now > pub.endedAt + 3000 || now - stillSince > 1500) break;
    await sleep(100);
  }
  const cpu1 = cpuSample(ctx.cpu[meta.system]);
  const committed = untap?.();
  const scrape1 = scrape0 ? await scrape(ctx) : undefined;
  const c = await ctx.pool.collect();
  const nominalMs = (pub.sent / (meta.ratePerStory * meta.stories)) * 1000;
  const elapsedMs = Math.max(1, (Number.isNaN(c.lastAt) ? wallClock() : c.lastAt) - pub.startedAt);
  return {
    ...meta,
    published: pub.sent,
    expected: pub.expectedDeliveries,
    delivered: c.deliveries,
    offeredPerSec: round(pub.expectedDeliveries / (nominalMs / 1000)),
    deliveriesPerSec: round(c.deliveries / (elapsedMs / 1000)),
    publishLagMs: round(
      Math.max(0, pub.endedAt - pub.startedAt - nominalMs * (1 - 1 / pub.sent)),
      1,
    ),
    latencyMs: c.latency,
    ...(committed ? { committedMs: committed } : {}),
    ...(scrape0 && scrape1 ? { gateway: gatewayWindow(scrape0, scrape1) } : {}),
    gaps: c.gaps,
    repeats: c.repeats,
    disconnects: c.disconnects,
    cpuPercent: cpuPercent(cpu0, cpu1),
  };
}

const scrape = (ctx: Ctx) => scrapeGateway(ctx.gateway.url).catch(() => undefined);

/** Did a load step keep up with what was offered? */
const keptUp = (r: LoadResult) =>
  r.delivered >= 0.95 * r.expected && r.latencyMs.p99 <= 1000 && r.disconnects === 0;

// ---- scenarios -----------------------------------------------------------------------------

interface Ctx {
  /** The lightest JetStream publisher there is, so the bench's own CPU stays small. */
  readonly js: JetStreamPipeline;
  readonly subjects: Subjects;
  readonly gateway: AppProcess;
  readonly baseline: Baseline | undefined;
  readonly pool: WorkerPool;
  readonly tap: Tap;
  readonly cpu: Record<System, CpuGroups>;
  readonly spread: readonly string[];
  readonly template: EventTemplate;
  /** The `storm` story's events as livefeed published them (the baseline's catch-up source). */
  readonly stormEvents: readonly StoredEvent[];
  readonly inspector: string | undefined;
  marker(): string;
}

const urlOf = (ctx: Ctx, system: System) =>
  system === 'livefeed' ? ctx.gateway.url : ctx.baseline!.url;

function layout(ctx: Ctx, kind: 'one' | 'spread' | 'idle'): SocketSpec[] {
  const n = kind === 'idle' ? P.idle : P.subscribers;
  return Array.from({ length: n }, (_, i) => ({
    storyId: kind === 'one' ? 'one' : ctx.spread[i % ctx.spread.length],
  }));
}

async function openAll(ctx: Ctx, system: System, specs: SocketSpec[], what: string) {
  const o = await ctx.pool.open(urlOf(ctx, system), specs, {
    concurrency: P.connectConcurrency,
    marker: 'none',
  });
  const errors = o.errors.length ? ` (errors: ${o.errors.join('; ')})` : '';
  log(`  ${system} ${what}: ${o.acked}/${o.requested} subscribed, ${o.retries} retries${errors}`);
  if (o.acked < o.requested)
    throw new Error(`${system} ${what}: ${o.acked}/${o.requested} subscribed`);
  return o;
}

/** Updates at `rate`/s to each story of a layout: livefeed reports, or baseline emits. */
function publisher(
  ctx: Ctx,
  system: System,
  kind: 'one' | 'spread',
  rate: number,
  seconds: number,
) {
  const stories = kind === 'one' ? ['one'] : [...ctx.spread];
  return async (marker: string): Promise<Published> => {
    if (system === 'baseline') {
      return ctx.baseline!.run(stories, rate, seconds, ctx.template, marker);
    }
    const subs = new Map<string, number>();
    for (const { storyId } of layout(ctx, kind)) {
      subs.set(storyId, (subs.get(storyId) ?? 0) + 1);
    }
    return publishReports(
      ctx.js,
      ctx.subjects,
      stories,
      rate,
      seconds,
      marker,
      (id) => subs.get(id) ?? 0,
    );
  };
}

const gatewayText = (g: ReturnType<typeof gatewayWindow>) =>
  `recorded→emit p50 ${g.recordedToEmit.p50}, p99 ${g.recordedToEmit.p99}; loop delay max ` +
  `${g.loopLagMaxMs} ms; GC ${Object.entries(g.gc)
    .map(([kind, x]) => `${kind} ${x.count}× ${x.ms} ms`)
    .join(', ')}`;

const describe = (r: LoadResult) =>
  `${r.deliveriesPerSec} deliveries/s of ${r.offeredPerSec} offered; p50/p99/max ` +
  `${r.latencyMs.p50}/${r.latencyMs.p99}/${r.latencyMs.max} ms` +
  (r.committedMs ? ` (committed p50/p99 ${r.committedMs.p50}/${r.committedMs.p99})` : '') +
  (r.gateway ? ` (gateway: ${gatewayText(r.gateway)})` : '') +
  `; cpu ${JSON.stringify(r.cpuPercent)}`;

async function fixedRate(ctx: Ctx, system: System, kind: 'one' | 'spread'): Promise<LoadResult> {
  const stories = kind === 'one' ? ['one'] : [...ctx.spread];
  const rate = kind === 'one' ? P.rate : P.spreadRate;
  await openAll(ctx, system, layout(ctx, kind), `${kind} (${stories.length} stories)`);
  const r = await measure(
    ctx,
    {
      system,
      scenario: kind === 'one' ? 'one story' : `${stories.length} stories`,
      subscribers: P.subscribers,
      stories: stories.length,
      ratePerStory: rate,
      seconds: P.seconds,
    },
    publisher(ctx, system, kind, rate, P.seconds),
  );
  log(`  ${system} ${kind}: ${describe(r)}`);
  await ctx.pool.close();
  return r;
}

async function saturation(ctx: Ctx, system: System): Promise<LoadResult[]> {
  await openAll(ctx, system, layout(ctx, 'one'), 'saturation');
  const steps: LoadResult[] = [];
  for (let k = 0; k < P.satSteps; k++) {
    const rate = round(P.satStart * P.satFactor ** k, 1);
    const r = await measure(
      ctx,
      {
        system,
        scenario: 'saturation',
        subscribers: P.subscribers,
        stories: 1,
        ratePerStory: rate,
        seconds: P.satSeconds,
      },
      publisher(ctx, system, 'one', rate, P.satSeconds),
    );
    steps.push(r);
    log(`  ${system} saturation ${rate}/s: ${describe(r)}`);
    // Past capacity once a step delivers < 85 % of its offer (or drops sockets): one step more,
    // clearly overloaded, shows the capacity again, then stop.
    const overloaded = (x: LoadResult) =>
      x.deliveriesPerSec < 0.85 * x.offeredPerSec || x.disconnects > 0;
    if (
      overloaded(r) &&
      ((steps.length > 1 && overloaded(steps[steps.length - 2])) || r.disconnects > 0)
    )
      break;
    await sleep(1000);
  }
  await ctx.pool.close();
  return steps;
}

interface MemoryResult {
  sockets: number;
  before: Memory;
  after: Memory;
  rssPerSubscriber: number;
  heapPerSubscriber: number;
  fullGc: boolean;
  /** With --profile: sampled live allocations made while the idle sockets connected, per socket. */
  retainedBySite?: {
    bytesPerUnit: number;
    byOrigin: { origin: string; bytesPerUnit: number }[];
    sites: { site: string; bytesPerUnit: number }[];
  };
}

async function memory(ctx: Ctx, system: System): Promise<MemoryResult> {
  let fullGc = true;
  const read =
    system === 'livefeed' ? () => gatewayMemory(ctx.gateway.url) : () => ctx.baseline!.memory();
  const gc =
    system === 'livefeed'
      ? async () => {
          if (!(P.gc && (await collectGarbage(ctx.inspector)))) fullGc = false;
        }
      : async () => undefined;
  const before = await sampleMemory(read, gc);
  const heap = P.profile && system === 'livefeed' ? await sampleHeap(ctx.inspector) : undefined;
  await openAll(ctx, system, layout(ctx, 'idle'), 'idle');
  const after = await sampleMemory(read, gc);
  const retained = await heap?.stop(P.idle);
  await ctx.pool.close();
  const result: MemoryResult = {
    sockets: P.idle,
    before: { rss: before.rss, heapUsed: before.heapUsed },
    after: { rss: after.rss, heapUsed: after.heapUsed },
    rssPerSubscriber: round((after.rss - before.rss) / P.idle),
    heapPerSubscriber: round((after.heapUsed - before.heapUsed) / P.idle),
    fullGc,
    ...(retained ? { retainedBySite: retained } : {}),
  };
  log(
    `  ${system} memory: ${result.rssPerSubscriber} B RSS, ${result.heapPerSubscriber} B heap per` +
      ` idle subscriber (full GC: ${fullGc})`,
  );
  return result;
}

interface StormResult {
  system: System;
  /** `connect`: connect and subscribe at once; `resubscribe`: connected first, subscribe at once. */
  mode: 'connect' | 'resubscribe';
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

/**
 * Every socket claims a random version of the `storm` story and subscribes with `since`; livefeed
 * serves the catch-up from its cache or PostgreSQL, the baseline from an in-memory copy of the
 * same events (one emit per event, as livefeed does).
 */
async function storm(
  ctx: Ctx,
  system: System,
  mode: 'connect' | 'resubscribe',
): Promise<StormResult> {
  const rnd = mulberry32(42);
  const specs: SocketSpec[] = Array.from({ length: P.storm }, () => ({
    storyId: 'storm',
    since: Math.floor(rnd() * (P.stormVersion + 1)),
  }));
  const owed = specs.reduce((s, spec) => s + (P.stormVersion - (spec.since ?? 0)), 0);
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
  const cpu0 = cpuSample(ctx.cpu[system]);
  const overflows0 = listenOverflows();
  const start = wallClock();
  const marker = ctx.marker();
  const opened: Opened =
    mode === 'connect'
      ? await ctx.pool.open(urlOf(ctx, system), specs, {
          concurrency: 0,
          spreadMs: P.stormSpreadMs,
          headVersion: P.stormVersion,
          timeoutMs: P.stormWaitSeconds * 1000,
          marker,
        })
      : await ctx.pool.subscribeAll({ headVersion: P.stormVersion, marker });
  let count = await ctx.pool.count();
  while (count.atHead < P.storm && wallClock() < start + P.stormWaitSeconds * 1000) {
    await sleep(100);
    count = await ctx.pool.count();
  }
  const cpu1 = cpuSample(ctx.cpu[system]);
  const c = await ctx.pool.collect();
  await ctx.pool.close();
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
    cpuPercent: cpuPercent(cpu0, cpu1),
    serverCpuSeconds: 0,
  };
  const serverCpu = result.cpuPercent[system === 'livefeed' ? 'gateway' : 'server'] ?? 0;
  result.serverCpuSeconds = round(((serverCpu / 100) * (cpu1.at - cpu0.at)) / 1000, 1);
  log(
    `  ${system} ${mode} storm: ${result.subscribed}/${P.storm} subscribed (${result.retries} retries, ` +
      `${result.listenOverflows} listen-queue overflows, last ack ${result.lastAckSeconds} s), ` +
      `all at head after ${result.secondsToHead} s; ${c.events}/${owed} events, ${c.gaps} gaps, ` +
      `${c.repeats} repeats; cpu ${JSON.stringify(result.cpuPercent)}` +
      (opened.errors.length ? `; errors: ${opened.errors.join('; ')}` : ''),
  );
  return result;
}

// ---- main ----------------------------------------------------------------------------------

interface Results {
  memory?: Record<System, MemoryResult | undefined>;
  one?: Record<System, LoadResult | undefined>;
  spread?: Record<System, LoadResult | undefined>;
  saturation?: Record<System, LoadResult[] | undefined>;
  storm?: Record<System, StormResult | undefined>;
  resubscribe?: Record<System, StormResult | undefined>;
}

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
    const load = os.loadavg().map((l) => l.toFixed(2));
    log(`root ${root}; ${os.cpus().length} cores; load average ${load.join(' ')}`);

    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const nc = await connect({ servers: natsUrl });
    cleanups.push(async () => {
      const jsm = await jetstreamManager(nc);
      for (const name of [subjects.reportsStream, subjects.eventsStream]) {
        await jsm.streams.delete(name).catch(() => false);
      }
      await nc.close();
    });
    const js = jetstream(nc);
    const env = {
      DATABASE_URL: db.url,
      LIVEFEED_SUBJECT_ROOT: root,
      NATS_URL: natsUrl,
      LIVEFEED_LOG_LEVEL: 'info',
    };
    const ingest = await startBuilt('ingest', env, P.ingestEntry);
    cleanups.push(() => stopApp(ingest));

    // Stories: `one`, s-0..s-<stories-1>, and `storm` filed up to stormVersion.
    const spread = Array.from({ length: P.stories }, (_, i) => `s-${i}`);
    const opened = ['one', 'storm', ...spread].map((storyId) => ({
      id: `setup-open-${storyId}`,
      storyId,
      type: 'story.opened',
      author: 'desk:bench',
      data: { title: `Bench story ${storyId}` },
    }));
    const stormEntries = Array.from({ length: P.stormVersion - 1 }, (_, i) => ({
      id: `setup-storm-${i + 2}`,
      storyId: 'storm',
      type: 'entry.posted',
      author: 'desk:bench',
      data: { entryId: `storm-${i + 2}`, body: BODY },
    }));
    const t0 = wallClock();
    const setupEvents = await fileAndWait(nc, js, subjects, [...opened, ...stormEntries]);
    const pipeline = new JetStreamPipeline(nc);
    cleanups.push(async () => pipeline.close());
    log(`filed ${setupEvents.length} setup reports in ${round(wallClock() - t0)} ms`);
    const sample = setupEvents.find((e) => e.type === 'entry.posted');
    if (!sample) throw new Error('no entry.posted event to model the baseline payload on');
    const template: EventTemplate = {
      type: 'entry.posted',
      data: sample.data as Record<string, unknown>,
      author: String(sample.author),
      occurredAt: String(sample.occurredAt),
      recordedAt: String(sample.recordedAt),
    };

    // The gateway starts after the stories exist: it has cached nothing of them. Its inspector
    // (127.0.0.1, random port) serves full GCs for memory readings and CPU profiles.
    const inspect = P.gc || P.profile;
    const gateway = await startBuilt(
      'gateway',
      { ...env, ...(inspect ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}) },
      P.gatewayEntry,
    );
    cleanups.push(() => stopApp(gateway));
    const pool = new WorkerPool(P.client, P.reservoir);
    cleanups.push(() => pool.stop());
    await pool.start(P.workers);
    const baseline = P.baseline ? await Baseline.start(P.baselineBacklog) : undefined;
    if (baseline) cleanups.push(() => baseline.stop());

    const shared: CpuGroups = {
      nats: () => pidsNamed('nats-server'),
      postgres: () => pidsNamed('postgres'),
      clients: () => pool.pids,
    };
    let phase = 0;
    const ctx: Ctx = {
      js: pipeline,
      subjects,
      gateway,
      baseline,
      pool,
      tap: tapEvents(nc, subjects),
      cpu: {
        livefeed: {
          gateway: () => [gateway.child.pid ?? 0],
          ingest: () => [ingest.child.pid ?? 0],
          ...shared,
        },
        baseline: { server: () => (baseline ? [baseline.pid] : []), ...shared },
      },
      spread,
      template,
      stormEvents: setupEvents.filter((e): e is StoredEvent => e.storyId === 'storm'),
      inspector: inspectorUrl(gateway),
      marker: () => `L${run}${phase++}`,
    };

    const systems: System[] = baseline ? ['livefeed', 'baseline'] : ['livefeed'];
    const profiles: Record<string, { file: string } & ReturnType<typeof summariseProfile>> = {};
    /** Runs a scenario for livefeed, then the baseline; with --profile, samples the gateway. */
    const both = async <T>(what: Scenario, fn: (s: System) => Promise<T>) => {
      const out = { livefeed: undefined, baseline: undefined } as Record<System, T | undefined>;
      for (const system of systems) {
        log(`${what}: ${system}`);
        if (system !== 'livefeed' || !P.profile || what === 'memory') {
          out[system] = await fn(system);
          continue;
        }
        const { result, profile } = await profileWhile(ctx.inspector, () => fn(system));
        out[system] = result;
        if (profile) {
          const file = path.join(PROFILES, `fanout-gateway-${what}.cpuprofile`);
          mkdirSync(PROFILES, { recursive: true });
          writeFileSync(file, JSON.stringify(profile));
          profiles[what] = {
            file: path.relative(process.cwd(), file),
            ...summariseProfile(profile),
          };
        }
      }
      return out;
    };
    const results: Results = {};
    if (runs('memory')) results.memory = await both('memory', (s) => memory(ctx, s));
    if (runs('one')) results.one = await both('one', (s) => fixedRate(ctx, s, 'one'));
    if (runs('spread')) results.spread = await both('spread', (s) => fixedRate(ctx, s, 'spread'));
    if (runs('saturation'))
      results.saturation = await both('saturation', (s) => saturation(ctx, s));
    if (runs('storm')) results.storm = await both('storm', (s) => storm(ctx, s, 'connect'));
    if (runs('resubscribe')) {
      results.resubscribe = await both('resubscribe', (s) => storm(ctx, s, 'resubscribe'));
    }

    clearTimeout(watchdog);
    const logged = { gateway: warnings(gateway), ingest: warnings(ingest) };
    const health = await ingestHealth(nc, subjects).catch(() => undefined);
    await cleanup();
    report(results, {
      logged,
      health,
      profiles,
      seconds: round((wallClock() - began) / 1000),
      load,
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

type Row = [scenario: string, measured: string, baseline: string, target: string, met?: boolean];

function report(
  r: Results,
  extra: {
    logged: Record<string, Record<string, number>>;
    health?: IngestHealth;
    profiles: Record<string, { file: string } & ReturnType<typeof summariseProfile>>;
    seconds: number;
    load: string[];
  },
): void {
  const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✓' : '✗');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const n = (x: number) => x.toLocaleString('en');
  const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  const lat = (x?: Latency) => (x ? `p99 ${x.p99} ms (p50 ${x.p50}, max ${x.max})` : 'n/a');
  const rate = (x?: LoadResult) =>
    x ? `${n(x.deliveriesPerSec)} /s (${n(x.delivered)} of ${n(x.expected)})` : 'n/a';
  const ratioOf = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
  const best = (steps?: LoadResult[]) =>
    steps?.reduce((a, b) => (b.deliveriesPerSec > a.deliveriesPerSec ? b : a));
  const sustained = (steps?: LoadResult[]) =>
    steps
      ?.filter(keptUp)
      .reduce<LoadResult | undefined>(
        (a, b) => (!a || b.offeredPerSec > a.offeredPerSec ? b : a),
        undefined,
      );

  const rows: Row[] = [];
  const fixed = (
    res: Record<System, LoadResult | undefined> | undefined,
    title: string,
    p99Note = '',
  ) => {
    if (!res?.livefeed) return;
    const lf = res.livefeed;
    const bl = res.baseline;
    const ratio = ratioOf(lf.deliveriesPerSec, bl?.deliveriesPerSec);
    rows.push(
      [
        `${title}: publish→receive`,
        lat(lf.latencyMs),
        lat(bl?.latencyMs),
        `p99 ≤ ${TARGET.p99Ms} ms${p99Note}`,
        lf.latencyMs.p99 <= TARGET.p99Ms,
      ],
      ['  of which publish→committed event (ingest share)', lat(lf.committedMs), '–', '(info)'],
      [
        `  deliveries/s at equal offered load (${n(lf.offeredPerSec)} /s)`,
        rate(lf),
        rate(bl),
        `≥ 90 % of baseline: ${pct(ratio)}`,
        ratio === undefined ? undefined : ratio >= TARGET.ratio,
      ],
    );
  };
  fixed(r.one, `${P.subscribers} subscribers on 1 story × ${P.rate} updates/s`);
  // The issue's latency target is for 2,000 subscribers × 20 updates/s (the `one` scenario); here
  // every story gets that rate, so livefeed ingests and fans out `stories` times as many updates.
  fixed(
    r.spread,
    `${P.subscribers} subscribers over ${P.stories} stories × ${P.spreadRate} updates/s each`,
    ` (our own bar: ${n(P.stories * P.spreadRate)} updates/s in all, beyond the issue's target of ${P.rate}/s)`,
  );
  if (r.saturation?.livefeed) {
    const lf = best(r.saturation.livefeed)!;
    const bl = best(r.saturation.baseline);
    const ratio = ratioOf(lf.deliveriesPerSec, bl?.deliveriesPerSec);
    const at = (x?: LoadResult) =>
      x ? `${n(x.deliveriesPerSec)} /s (at ${x.ratePerStory} updates/s)` : 'n/a';
    const held = (x?: LoadResult) =>
      x ? `${n(x.offeredPerSec)} /s, p99 ${x.latencyMs.p99} ms` : 'none';
    rows.push(
      [
        `max deliveries/s, ${P.subscribers} subscribers on 1 story (best saturation step)`,
        at(lf),
        at(bl),
        `≥ 90 % of baseline: ${pct(ratio)}`,
        ratio === undefined ? undefined : ratio >= TARGET.ratio,
      ],
      [
        '  highest offered load kept up (≥ 95 % delivered, p99 ≤ 1 s, no drops)',
        held(sustained(r.saturation.livefeed)),
        r.saturation.baseline ? held(sustained(r.saturation.baseline)) : 'n/a',
        '(info)',
      ],
    );
  }
  if (r.memory?.livefeed) {
    const lf = r.memory.livefeed;
    const bl = r.memory.baseline;
    rows.push(
      [
        `memory per idle subscriber (${P.idle} sockets), RSS`,
        kb(lf.rssPerSubscriber),
        bl ? kb(bl.rssPerSubscriber) : 'n/a',
        `≤ ${kb(TARGET.bytesPerIdle)}`,
        lf.rssPerSubscriber <= TARGET.bytesPerIdle,
      ],
      ['  heap used', kb(lf.heapPerSubscriber), bl ? kb(bl.heapPerSubscriber) : 'n/a', '(info)'],
    );
  }
  const stormRows = (res: Record<System, StormResult | undefined> | undefined) => {
    const lf = res?.livefeed;
    if (!lf) return;
    const bl = res.baseline;
    const took = (x: StormResult) =>
      Number.isNaN(x.secondsToHead)
        ? `> ${P.stormWaitSeconds} s: ${x.atHead} of ${x.sockets} at head (${x.listenOverflows} listen-queue overflows, ${x.serverCpuSeconds} CPU-s)`
        : `${x.secondsToHead} s (last ack ${x.lastAckSeconds} s; ${x.listenOverflows} listen-queue overflows, ${x.retries} reconnects; ${x.serverCpuSeconds} CPU-s)`;
    const integrity = (x: StormResult) =>
      `${x.gaps} / ${x.repeats}; ${n(x.eventsReceived)} of ${n(x.eventsOwed)}`;
    const how =
      lf.mode === 'resubscribe'
        ? 'already connected, all subscribe at once'
        : P.stormSpreadMs
          ? `connect + subscribe over ${P.stormSpreadMs} ms`
          : 'connect + subscribe all at once';
    rows.push(
      [
        `${lf.mode === 'resubscribe' ? 'resubscribe' : 'reconnect'} storm: ${P.storm} sockets holding 0..${P.stormVersion} of a story, ${how} → all at head`,
        took(lf),
        bl ? took(bl) : 'n/a',
        `≤ ${TARGET.stormSeconds} s`,
        lf.secondsToHead <= TARGET.stormSeconds,
      ],
      [
        '  gaps / repeats; events received of owed',
        integrity(lf),
        bl ? integrity(bl) : 'n/a',
        '0 / 0; all',
        lf.gaps === 0 && lf.repeats === 0 && lf.eventsReceived === lf.eventsOwed,
      ],
    );
  };
  stormRows(r.storm);
  stormRows(r.resubscribe);
  const live = (s: System) =>
    [r.one?.[s], r.spread?.[s], ...(r.saturation?.[s] ?? [])].filter((x): x is LoadResult => !!x);
  const breaks = (s: System) => live(s).reduce((t, x) => t + x.gaps + x.repeats, 0);
  rows.push([
    'gaps + repeats over every live window',
    String(breaks('livefeed')),
    r.one?.baseline ? String(breaks('baseline')) : 'n/a',
    '0',
    breaks('livefeed') === 0,
  ]);

  const cpuText = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const windows = [...live('livefeed'), ...live('baseline')];
  const logged = Object.entries(extra.logged).flatMap(([app, msgs]) =>
    Object.entries(msgs).map(([msg, count]) => `- ${app}: ${count} × ${msg}`),
  );
  const md = [
    `# bench/fanout (${new Date().toISOString()})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average at start ${extra.load.join(' ')}; ` +
      `ingest and gateway as real processes on NATS + PostgreSQL; ${P.workers} client processes (${P.client} clients); whole run ${extra.seconds} s.`,
    '',
    'Latency = receipt in a client process − publish time stamped in the id (livefeed: JetStream publish → ingest → PostgreSQL → events stream → gateway → socket; ' +
      'baseline: socket.io emit → socket). Deliveries/s = events received ÷ (last receipt − first publish).',
    '',
    '| scenario | measured (livefeed) | baseline (plain socket.io) | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(([a, b, c, d, e]) => `| ${a} | ${b} | ${c} | ${d} | ${mark(e)} |`),
    '',
    '## Every load window',
    '',
    '| system | scenario | updates/s per story | offered deliveries/s | achieved | p50 / p99 / max ms | committed p50 / p99 ms | gateway: recorded→emit, event-loop delay, GC | dropped | CPU, % of one core |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...windows.map(
      (x) =>
        `| ${x.system} | ${x.scenario} | ${x.ratePerStory} | ${n(x.offeredPerSec)} | ${n(x.deliveriesPerSec)} | ` +
        `${x.latencyMs.p50} / ${x.latencyMs.p99} / ${x.latencyMs.max} | ${x.committedMs ? `${x.committedMs.p50} / ${x.committedMs.p99}` : '–'} | ` +
        `${x.gateway ? gatewayText(x.gateway) : '–'} | ` +
        `${x.disconnects} | ${cpuText(x.cpuPercent)} |`,
    ),
    ...[...Object.values(r.storm ?? {}), ...Object.values(r.resubscribe ?? {})]
      .filter((x): x is StormResult => !!x)
      .map((x) => `\n${x.system} ${x.mode} storm CPU: ${cpuText(x.cpuPercent)}.`),
    '',
    '`machine` is the busy time of all cores (200 = both), `other` the part no listed process accounts for (other tenants, kernel); ' +
      '`nats` and `postgres` count every such process on the machine.',
    ...(extra.health
      ? [
          '',
          `Ingest consumer at the end: ${n(extra.health.reports)} reports in the stream, handed to ingest ${n(extra.health.deliveries)} times ` +
            `(${(extra.health.deliveries / Math.max(1, extra.health.reports)).toFixed(1)} per report; ${n(extra.health.redelivered)} being redelivered, ` +
            `${n(extra.health.ackPending)} awaiting ack, ${n(extra.health.pending)} not yet delivered). ` +
            `Event copies re-published during the livefeed windows: ${n(live('livefeed').reduce((t, x) => t + (x.committedMs?.republished ?? 0), 0))}.`,
        ]
      : []),
    ...(logged.length ? ['', '## Warnings and errors the apps logged', '', ...logged] : []),
    '',
    '## Parameters',
    '',
    '```',
    Object.entries(P)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `--${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' '),
    '```',
    ...(r.memory?.livefeed?.retainedBySite
      ? [
          '',
          `## Gateway heap retained per idle subscriber, by allocation site (sampled: ${r.memory.livefeed.retainedBySite.bytesPerUnit} B per socket)`,
          '',
          `By the package whose code allocated it (rxjs counted to its caller): ${r.memory.livefeed.retainedBySite.byOrigin.map((o) => `${o.origin} ${o.bytesPerUnit} B`).join(', ')}.`,
          '',
          '| bytes per socket | allocated at (innermost first ← callers) |',
          '| --- | --- |',
          ...r.memory.livefeed.retainedBySite.sites.map(
            (x) => `| ${x.bytesPerUnit} | \`${x.site.split(' ← ').reverse().join(' ← ')}\` |`,
          ),
        ]
      : []),
    ...Object.entries(extra.profiles).flatMap(([scenario, p]) => [
      '',
      `## Gateway CPU profile, livefeed ${scenario} (${p.seconds} s, ${p.file})`,
      '',
      `By origin: ${p.byOrigin.map((o) => `${o.name} ${o.percent} %`).join(', ')}.`,
      '',
      '| self time | function |',
      '| --- | --- |',
      ...p.byFunction.map((f) => `| ${f.percent} % | \`${f.name}\` |`),
    ]),
    '',
  ].join('\n');
  writeReport(
    'fanout',
    {
      machine: { cores: os.cpus().length, node: process.version, loadAverageAtStart: extra.load },
      params: P,
      targets: TARGET,
      results: r,
      logged: extra.logged,
    },
    md,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
