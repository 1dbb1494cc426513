/**
 * `one`: `subscribers` sockets on one story, `rate` updates/s for `seconds`: deliveries/s and
 * publish→receive latency (livefeed: also publish→committed, the ingest share).
 */
import type { Ctx, System } from '../context';
import type { LoadResult } from '../window';
import { fixedRate } from './fixed-rate';

export const one = (ctx: Ctx, system: System): Promise<LoadResult> => fixedRate(ctx, system, 'one');
