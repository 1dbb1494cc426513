/**
 * The scenarios of bench/fanout in the order they run, each for livefeed and then the baseline
 * back to back (so both see the same machine). With `--profile`, the gateway's CPU is sampled over
 * each livefeed scenario but `memory`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Ctx, System } from '../context';
import {
  type CpuProfile,
  type ProfileSummary,
  profileWhile,
  summariseProfile,
} from '../harness/inspector';
import { log } from '../harness/util';
import { P, PROFILES, type Scenario, runs } from '../params';
import type { LoadResult } from '../window';
import { type MemoryResult, memory } from './memory';
import { one } from './one';
import { resubscribe } from './resubscribe';
import { saturation } from './saturation';
import { spread } from './spread';
import { type StormResult, storm } from './storm';

export type { MemoryResult } from './memory';
export type { StormResult } from './storm';

type BySystem<T> = Record<System, T | undefined>;

export interface Results {
  memory?: BySystem<MemoryResult>;
  one?: BySystem<LoadResult>;
  spread?: BySystem<LoadResult>;
  saturation?: BySystem<LoadResult[]>;
  storm?: BySystem<StormResult>;
  resubscribe?: BySystem<StormResult>;
}

/** A livefeed CPU profile: where it was written, and where its samples fell. */
export type Profiles = Record<string, { file: string } & ProfileSummary>;

/** Runs every scenario asked for, in the order of `SCENARIOS`. */
export async function runScenarios(ctx: Ctx, systems: readonly System[]) {
  const profiles: Profiles = {};
  const both = <T>(what: Scenario, fn: (ctx: Ctx, s: System) => Promise<T>) =>
    runBoth(ctx, systems, profiles, what, fn);
  const results: Results = {};
  if (runs('memory')) results.memory = await both('memory', memory);
  if (runs('one')) results.one = await both('one', one);
  if (runs('spread')) results.spread = await both('spread', spread);
  if (runs('saturation')) results.saturation = await both('saturation', saturation);
  if (runs('storm')) results.storm = await both('storm', storm);
  if (runs('resubscribe')) results.resubscribe = await both('resubscribe', resubscribe);
  return { results, profiles };
}

/** Runs a scenario for livefeed, then the baseline; with --profile, samples the gateway. */
async function runBoth<T>(
  ctx: Ctx,
  systems: readonly System[],
  profiles: Profiles,
  what: Scenario,
  fn: (ctx: Ctx, s: System) => Promise<T>,
): Promise<BySystem<T>> {
  const out = { livefeed: undefined, baseline: undefined } as BySystem<T>;
  for (const system of systems) {
    log(`${what}: ${system}`);
    if (system !== 'livefeed' || !P.profile || what === 'memory') {
      out[system] = await fn(ctx, system);
      continue;
    }
    const { result, profile } = await profileWhile(ctx.inspector, () => fn(ctx, system));
    out[system] = result;
    if (profile) profiles[what] = saveProfile(what, profile);
  }
  return out;
}

/** Writes a CPU profile under PROFILES (for Chrome DevTools) and summarises it for the report. */
function saveProfile(what: Scenario, profile: CpuProfile) {
  const file = path.join(PROFILES, `fanout-gateway-${what}.cpuprofile`);
  mkdirSync(PROFILES, { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
  return { file: path.relative(process.cwd(), file), ...summariseProfile(profile) };
}
