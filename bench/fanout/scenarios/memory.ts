/**
 * `memory`: gateway RSS and heap (its /metrics) before and after `idle` subscribed sockets that
 * receive nothing, each reading after a full GC: the gateway runs with `--inspect=127.0.0.1:0` and
 * the bench asks V8 for a collection over the inspector protocol (`--gc=0`: no GC, medians). The
 * baseline server reads its own memory after `global.gc()`.
 */
import type { Ctx, System } from '../context';
import { type Memory, gatewayMemory } from '../harness/gateway';
import { type RetainedBySite, collectGarbage, sampleHeap } from '../harness/inspector';
import { log, median, round, sleep } from '../harness/util';
import { P } from '../params';
import { layout, openAll } from '../window';

export interface MemoryResult {
  sockets: number;
  before: Memory;
  after: Memory;
  rssPerSubscriber: number;
  heapPerSubscriber: number;
  fullGc: boolean;
  /** With --profile: sampled live allocations made while the idle sockets connected, per socket. */
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

export async function memory(ctx: Ctx, system: System): Promise<MemoryResult> {
  const { state, read, gc } = reader(ctx, system);
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
    fullGc: state.fullGc,
    ...(retained ? { retainedBySite: retained } : {}),
  };
  log(
    `  ${system} memory: ${result.rssPerSubscriber} B RSS, ${result.heapPerSubscriber} B heap per` +
      ` idle subscriber (full GC: ${state.fullGc})`,
  );
  return result;
}
