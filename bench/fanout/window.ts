/**
 * One load window of bench/fanout: open the sockets of a layout, publish at a fixed rate (livefeed
 * reports or baseline emits), wait for what is owed, and read deliveries, latency, integrity, CPU
 * and (livefeed) the gateway's own metrics over the window.
 */
import { cpuPercent, cpuSample } from '../lib/cpu';
import { bySecond, type summarise } from '../lib/stats';
import { type Ctx, type System, urlOf } from './context';
import { type GatewayScrape, gatewayWindow, scrapeGateway } from './harness/gateway';
import { log, round, sleep } from './harness/util';
import { P } from './params';
import { type SocketSpec, wallClock } from './protocol';
import { type Published, publishReports } from './filing';

export type Latency = ReturnType<typeof summarise>;

export interface LoadResult {
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
  /** Publish→receive by the second of the window the update was published in (0: the first). */
  latencyBySecond: Array<Latency & { second: number }>;
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

export type Meta = Pick<
  LoadResult,
  'system' | 'scenario' | 'subscribers' | 'stories' | 'ratePerStory' | 'seconds'
>;

const scrape = (ctx: Ctx) => scrapeGateway(ctx.gateway.url).catch(() => undefined);

/** Publishes one window with the sockets already open and measures what they received. */
export async function measure(
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
  await owed(ctx, pub);
  const cpu1 = cpuSample(ctx.cpu[meta.system]);
  const committed = untap?.();
  const scrape1 = scrape0 ? await scrape(ctx) : undefined;
  const c = await ctx.pool.collect();
  return {
    ...meta,
    ...rates(meta, pub, c.deliveries, c.lastAt),
    latencyMs: c.latency,
    latencyBySecond: bySecond(c.sample.latencies, c.sample.stamps, pub.startedAt),
    ...(committed ? { committedMs: committed } : {}),
    ...gatewayOver(scrape0, scrape1),
    gaps: c.gaps,
    repeats: c.repeats,
    disconnects: c.disconnects,
    cpuPercent: cpuPercent(cpu0, cpu1),
  };
}

/** Waits for what is owed: at most 3 s after the last update, less once nothing moved for 1.5 s. */
async function owed(ctx: Ctx, pub: Published): Promise<void> {
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
}

/** Offered and achieved rates of a window; deliveries/s run from first publish to last receipt. */
function rates(meta: Meta, pub: Published, delivered: number, lastAt: number) {
  const nominalMs = (pub.sent / (meta.ratePerStory * meta.stories)) * 1000;
  const elapsedMs = Math.max(1, (Number.isNaN(lastAt) ? wallClock() : lastAt) - pub.startedAt);
  return {
    published: pub.sent,
    expected: pub.expectedDeliveries,
    delivered,
    offeredPerSec: round(pub.expectedDeliveries / (nominalMs / 1000)),
    deliveriesPerSec: round(delivered / (elapsedMs / 1000)),
    publishLagMs: round(
      Math.max(0, pub.endedAt - pub.startedAt - nominalMs * (1 - 1 / pub.sent)),
      1,
    ),
  };
}

const gatewayOver = (a?: GatewayScrape, b?: GatewayScrape) =>
  a && b ? { gateway: gatewayWindow(a, b) } : {};

/** Did a load step keep up with what was offered? */
export const keptUp = (r: LoadResult) =>
  r.delivered >= 0.95 * r.expected && r.latencyMs.p99 <= 1000 && r.disconnects === 0;

/** The sockets of a layout: all on `one`, round-robin over the spread stories, or idle ones. */
export function layout(ctx: Ctx, kind: 'one' | 'spread' | 'idle'): SocketSpec[] {
  const n = kind === 'idle' ? P.idle : P.subscribers;
  return Array.from({ length: n }, (_, i) => ({
    storyId: kind === 'one' ? 'one' : ctx.spread[i % ctx.spread.length],
  }));
}

/** Opens and subscribes the sockets; throws unless every one of them was acknowledged. */
export async function openAll(ctx: Ctx, system: System, specs: SocketSpec[], what: string) {
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
export function publisher(
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

export const gatewayText = (g: ReturnType<typeof gatewayWindow>) =>
  `recorded→emit p50 ${g.recordedToEmit.p50}, p99 ${g.recordedToEmit.p99}; loop delay max ` +
  `${g.loopLagMaxMs} ms; GC ${Object.entries(g.gc)
    .map(([kind, x]) => `${kind} ${x.count}× ${x.ms} ms`)
    .join(', ')}`;

/** A window in one log line. */
export const describe = (r: LoadResult) =>
  `${r.deliveriesPerSec} deliveries/s of ${r.offeredPerSec} offered; p50/p99/max ` +
  `${r.latencyMs.p50}/${r.latencyMs.p99}/${r.latencyMs.max} ms` +
  (r.committedMs ? ` (committed p50/p99 ${r.committedMs.p50}/${r.committedMs.p99})` : '') +
  (r.gateway ? ` (gateway: ${gatewayText(r.gateway)})` : '') +
  `; cpu ${JSON.stringify(r.cpuPercent)}`;
