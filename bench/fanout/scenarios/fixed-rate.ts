/** The fixed-rate window shared by `one` and `spread`: open the layout, publish, measure, close. */
import type { Ctx, System } from '../context';
import { log } from '../harness/util';
import { P } from '../params';
import { type LoadResult, describe, layout, measure, openAll, publisher } from '../window';

export async function fixedRate(
  ctx: Ctx,
  system: System,
  kind: 'one' | 'spread',
): Promise<LoadResult> {
  const stories = kind === 'one' ? ['one'] : [...ctx.spread];
  const rate = kind === 'one' ? P.rate : P.spreadRate;
  await openAll(ctx, system, layout(ctx, kind), `${kind} (${stories.length} stories)`);
  if (P.warmup > 0) await publisher(ctx, system, kind, rate, P.warmup)(ctx.marker());
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
