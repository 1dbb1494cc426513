/**
 * `memory`: gateway RSS and heap (its /metrics) per idle subscribed socket that receives nothing,
 * each reading after a full GC: the gateway runs with `--inspect=127.0.0.1:0` and the bench asks V8
 * for a collection over the inspector protocol (`--gc=0`: no GC, medians). The baseline server
 * reads its own memory after `global.gc()`.
 *
 * Two rounds of `idle` sockets: the first on a fresh server (`cold`), then as many again while the
 * first stay connected. The second round is the figure judged: what each more subscriber costs, in
 * memory no earlier socket has used (the first round's is still theirs). The first round also holds
 * what a process grows by once, with its first connections, and keeps: the code V8 compiles for the
 * connect path, and the memory its compiler threads took for that and glibc does not hand back (an
 * arena per thread). heaptrack showed these (bench/README.md); a fresh process has them whether 500
 * readers come or 5,000.
 */
import { kb } from '../../lib/report';
import type { Ctx, System } from '../context';
import { type Memory, gatewayMemory } from '../harness/gateway';
import { type RetainedBySite, collectGarbage, sampleHeap } from '../harness/inspector';
import { log, median, round as roundTo, sleep } from '../harness/util';
import { P } from '../params';
import { layout, openAll } from '../window';

/** One round: readings before and after `sockets` idle sockets, and their difference per socket. */
export interface MemoryRound {
  before: Memory;
  after: Memory;
  rssPerSubscriber: number;
  heapPerSubscriber: number;
}

/** The second round's figures at the top level; `cold` is the first round, on a fresh server. */
export interface MemoryResult extends MemoryRound {
  sockets: number;
  /** Absent in result files from before the two rounds, whose top-level figures are a cold round. */
  cold?: MemoryRound;
  fullGc: boolean;
  /** With --profile: sampled live allocations made while the second round connected, per socket. */
  retainedBySite?: RetainedBySite;
}

/** Median of five readings, each after `gc`, once things had 1.5 s to settle. */
async function sampleMemory(
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

/** How a system's memory is read, and the GC before each reading (livefeed: over the inspector). */
function reader(ctx: Ctx, system: System) {
  const state = { fullGc: true };
  if (system === 'baseline') {
    return { state, read: () => ctx.baseline!.memory(), gc: async () => undefined };
  }
  const gc = async () => {
    if (!(P.gc && (await collectGarbage(ctx.inspector)))) state.fullGc = false;
  };
  return { state, read: () => gatewayMemory(ctx.gateway.url), gc };
}

/** Opens `idle` more sockets and reads: the round's readings per socket. */
async function round(
  ctx: Ctx,
  system: System,
  before: Memory,
  sample: () => Promise<Memory>,
  what: string,
): Promise<MemoryRound> {
  await openAll(ctx, system, layout(ctx, 'idle'), what);
  const after = await sample();
  return {
    before,
    after,
    rssPerSubscriber: roundTo((after.rss - before.rss) / P.idle),
    heapPerSubscriber: roundTo((after.heapUsed - before.heapUsed) / P.idle),
  };
}

export async function memory(ctx: Ctx, system: System): Promise<MemoryResult> {
  const { state, read, gc } = reader(ctx, system);
  const sample = () => sampleMemory(read, gc);
  const cold = await round(ctx, system, await sample(), sample, 'idle, first round');
  const heap = P.profile && system === 'livefeed' ? await sampleHeap(ctx.inspector) : undefined;
  const warm = await round(ctx, system, cold.after, sample, 'idle, second round');
  const retained = await heap?.stop(P.idle);
  await ctx.pool.close();
  const result: MemoryResult = {
    sockets: P.idle,
    ...warm,
    cold,
    fullGc: state.fullGc,
    ...(retained ? { retainedBySite: retained } : {}),
  };
  log(
    `  ${system} memory per idle subscriber: ${kb(warm.rssPerSubscriber)} RSS, ${kb(warm.heapPerSubscriber)} heap` +
      ` (first round, fresh server: ${kb(cold.rssPerSubscriber)} RSS, ${kb(cold.heapPerSubscriber)} heap;` +
      ` full GC: ${state.fullGc})`,
  );
  return result;
}
