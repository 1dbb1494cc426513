/**
 * The command line of bench/fanout (see fanout.bench.ts for every flag) and its fixed targets.
 *
 * `--quick` shrinks every scenario (fewer sockets, stories, seconds, steps, workers) to check that
 * the bench runs end to end in about a minute; flags given explicitly still win. Its figures are
 * not comparable with a full run's.
 */
import os from 'node:os';
import path from 'node:path';
import { arg } from '../lib/report';
import { CLIENT_KINDS, type ClientKind } from './protocol';

const strArg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

function clientKind(name: string): ClientKind {
  const kind = CLIENT_KINDS.find((k) => k === name);
  if (!kind) throw new Error(`--client=${name}: expected one of ${CLIENT_KINDS.join(', ')}`);
  return kind;
}

export const SCENARIOS = ['memory', 'one', 'spread', 'saturation', 'storm', 'resubscribe'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const QUICK = process.argv.includes('--quick') || arg('quick', 0) !== 0;
/** A flag's default: the full run's, or the `--quick` one's. */
const size = (full: number, quick: number) => (QUICK ? quick : full);

export const P = {
  subscribers: arg('subscribers', size(2000, 200)),
  rate: arg('rate', 20),
  seconds: arg('seconds', size(10, 2)),
  warmup: arg('warmup', 0),
  stories: arg('stories', size(100, 10)),
  /** Updates/s per story in `spread`; by default `rate`, so every socket gets as many as in `one`. */
  spreadRate: arg('spreadRate', arg('rate', 20)),
  idle: arg('idle', size(5000, 300)),
  storm: arg('storm', size(5000, 300)),
  stormVersion: arg('stormVersion', size(300, 30)),
  /** 0: every storm socket connects at the same instant; else each after a random delay ≤ this. */
  stormSpreadMs: arg('stormSpreadMs', 0),
  /** How long the storm may take before the sockets not at head are counted as such. */
  stormWaitSeconds: arg('stormWaitSeconds', size(30, 15)),
  workers: arg('workers', size(4, 2)),
  connectConcurrency: arg('connectConcurrency', 50),
  satStart: arg('satStart', 25),
  satFactor: arg('satFactor', 1.5),
  satSteps: arg('satSteps', size(6, 2)),
  satSeconds: arg('satSeconds', size(4, 2)),
  client: clientKind(strArg('client', 'lean')),
  scenarios: strArg('scenarios', SCENARIOS.join(','))
    .split(',')
    .filter((s): s is Scenario => (SCENARIOS as readonly string[]).includes(s)),
  baseline: arg('baseline', 1) !== 0,
  /** The baseline server's listen backlog: the gateway's default `listenBacklog`, for a fair storm. */
  baselineBacklog: arg('baselineBacklog', 4096),
  gc: arg('gc', 1) !== 0,
  profile: arg('profile', 0) !== 0,
  deadline: arg('deadline', size(420, 180)),
  /** Another build's main.js to run instead of dist/apps/<app> (compare builds). */
  ingestEntry: strArg('ingestEntry', '') || undefined,
  gatewayEntry: strArg('gatewayEntry', '') || undefined,
  reservoir: arg('reservoir', 100_000),
};
export const runs = (s: Scenario) => P.scenarios.includes(s);

/** The targets (issue 11): p99 in `one` and `spread`, 10 KB per idle socket, the storm at head in 3 s. */
export const TARGET = { p99Ms: 100, ratio: 0.9, bytesPerIdle: 10 * 1024, stormSeconds: 3 };
/** The body of every `entry.posted` the bench files. */
export const BODY =
  '<p>Shelling reported overnight near the river crossing; residents sheltered in basements.</p>';
/** CPU profiles are large: they go to the temp directory, not bench/results. */
export const PROFILES = path.join(os.tmpdir(), 'livefeed-fanout');
