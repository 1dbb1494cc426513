/**
 * `resubscribe`: the `storm` sockets connect first (no listen-queue trouble), then all subscribe
 * with `since` at the same moment: the catch-up work alone.
 */
import type { Ctx, System } from '../context';
import { type StormResult, runStorm } from './storm';

export const resubscribe = (ctx: Ctx, system: System): Promise<StormResult> =>
  runStorm(ctx, system, 'resubscribe');
