/**
 * `spread`: the same number of sockets over `stories` stories, every story at `spreadRate`
 * updates/s (default `rate`: every socket still receives `rate` events/s, deliveries/s compare
 * with `one`, and ingest takes `stories × rate` reports/s).
 */
import type { Ctx, System } from '../context';
import type { LoadResult } from '../window';
import { fixedRate } from './fixed-rate';

export const spread = (ctx: Ctx, system: System): Promise<LoadResult> =>
  fixedRate(ctx, system, 'spread');
