/** The command line of bench/fanout (see fanout.bench.ts for every flag) and its fixed targets. */
import os from 'node:os';
import path from 'node:path';
import { arg } from '../lib/report';

const strArg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

export const SCENARIOS = ['memory', 'one', 'spread', 'saturation', 'storm', 'resubscribe'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const P = {
  subscribers: arg('subscribers', 2000),
  rate: arg('rate', 20),
  seconds: arg('seconds', 10),
  stories: arg('stories', 100),
  /** Updates/s per story in `spread`; by default `rate`, so every socket gets as many as in `one`. */
  spreadRate: arg('spreadRate', arg('rate', 20)),
  idle: arg('idle', 5000),
  storm: arg('storm', 5000),
  stormVersion: arg('stormVersion', 300),
  /** 0: every storm socket connects at the same instant; else each after a random delay ≤ this. */
  stormSpreadMs: arg('stormSpreadMs', 0),
  /** How long the storm may take before the sockets not at head are counted as such. */
  stormWaitSeconds: arg('stormWaitSeconds', 30),
  workers: arg('workers', 4),
  connectConcurrency: arg('connectConcurrency', 50),
  satStart: arg('satStart', 25),
  satFactor: arg('satFactor', 1.5),
  satSteps: arg('satSteps', 6),
  satSeconds: arg('satSeconds', 4),
  client: (strArg('client', 'raw') === 'sio' ? 'sio' : 'raw') as 'raw' | 'sio',
  scenarios: strArg('scenarios', SCENARIOS.join(','))
    .split(',')
    .filter((s): s is Scenario => (SCENARIOS as readonly string[]).includes(s)),
  baseline: arg('baseline', 1) !== 0,
  /** The baseline server's listen backlog: the gateway's default `listenBacklog`, for a fair storm. */
  baselineBacklog: arg('baselineBacklog', 4096),
  gc: arg('gc', 1) !== 0,
  profile: arg('profile', 0) !== 0,
  deadline: arg('deadline', 420),
  /** Another build's main.js to run instead of dist/apps/<app> (compare builds). */
  ingestEntry: strArg('ingestEntry', '') || undefined,
  gatewayEntry: strArg('gatewayEntry', '') || undefined,
  reservoir: arg('reservoir', 100_000),
};
export const runs = (s: Scenario) => P.scenarios.includes(s);

export const TARGET = { p99Ms: 100, ratio: 0.9, bytesPerIdle: 20 * 1024, stormSeconds: 10 };
/** The body of every `entry.posted` the bench files. */
export const BODY =
  '<p>Shelling reported overnight near the river crossing; residents sheltered in basements.</p>';
/** CPU profiles are large: they go to the temp directory, not bench/results. */
export const PROFILES = path.join(os.tmpdir(), 'livefeed-fanout');
