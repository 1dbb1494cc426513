/**
 * `saturation`: `one`'s layout at `satStart × satFactor^k` updates/s, `satSeconds` per step, until
 * two steps in a row achieve < 85 % of their offered rate (or a socket is dropped). Max
 * deliveries/s = the best rate a step achieved (an overloaded step delivers at capacity, backlog
 * included); "kept up" = ≥ 95 % delivered within 3 s, p99 ≤ 1 s, no drops.
 */
import type { Ctx, System } from '../context';
import { log, round, sleep } from '../harness/util';
import { P } from '../params';
import { type LoadResult, describe, layout, measure, openAll, publisher } from '../window';

/** Past capacity: a step delivers < 85 % of its offer, or drops sockets. */
const overloaded = (x: LoadResult) =>
  x.deliveriesPerSec < 0.85 * x.offeredPerSec || x.disconnects > 0;

/** One step more, clearly overloaded, shows the capacity again; then stop (at once on drops). */
const done = (steps: LoadResult[]) => {
  const r = steps[steps.length - 1];
  return (
    overloaded(r) &&
    ((steps.length > 1 && overloaded(steps[steps.length - 2])) || r.disconnects > 0)
  );
};

async function step(ctx: Ctx, system: System, rate: number): Promise<LoadResult> {
  const meta = {
    system,
    scenario: 'saturation',
    subscribers: P.subscribers,
    stories: 1,
    ratePerStory: rate,
    seconds: P.satSeconds,
  };
  const r = await measure(ctx, meta, publisher(ctx, system, 'one', rate, P.satSeconds));
  log(`  ${system} saturation ${rate}/s: ${describe(r)}`);
  return r;
}

export async function saturation(ctx: Ctx, system: System): Promise<LoadResult[]> {
  await openAll(ctx, system, layout(ctx, 'one'), 'saturation');
  const steps: LoadResult[] = [];
  for (let k = 0; k < P.satSteps; k++) {
    steps.push(await step(ctx, system, round(P.satStart * P.satFactor ** k, 1)));
    if (done(steps)) break;
    await sleep(1000);
  }
  await ctx.pool.close();
  return steps;
}
