/**
 * What the report is made of: the JSON each bench wrote under bench/results (ingest.json,
 * fanout.json, rebuild.json), the machine described when the run began (machine.json) and how each
 * bench's run went (run.json). A bench that failed or did not run is simply absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../fanout/scenarios';
import type { Machine } from '../lib/machine';

export const RESULTS = path.resolve(__dirname, '../results');

type Latency = { count: number; p50: number; p99: number; max: number };

export interface IngestJson {
  params: { reports: number; stories: number; rate: number; rateSeconds: number };
  baselineInsertRowsPerSec: number;
  fullSpeed: { reportsPerSec: number; latencyMs: Latency; cpuPercent: Record<string, number> };
  fixedRate: { ratePerSec: number; latencyMs: Latency; cpuPercent: Record<string, number> };
  /** Two ingest processes on the one durable consumer, at full speed (for information). */
  sharedConsumer?: {
    processes: number;
    reports: number;
    reportsPerSec: number;
    cpuPercent: Record<string, number>;
  };
}

export interface FanoutJson {
  params: { subscribers: number; stories: number; spreadRate: number; idle: number; storm: number };
  results: Results;
}

interface RebuildRun {
  seconds: number;
  eventsPerSec: number;
  cpuPercent: Record<string, number>;
}
export interface RebuildJson {
  params: { events: number; stories: number };
  baseline: RebuildRun;
  rebuild: RebuildRun;
  verify: RebuildRun;
}

export type BenchName = 'ingest' | 'fanout' | 'rebuild';
export const BENCHES: readonly BenchName[] = ['ingest', 'fanout', 'rebuild'];

/** How one bench's run went. */
export interface StepRun {
  readonly name: BenchName;
  readonly ok: boolean;
  readonly seconds: number;
  readonly args: readonly string[];
}

export interface RunInfo {
  readonly quick: boolean;
  readonly startedAt: string;
  readonly seconds: number;
  readonly steps: readonly StepRun[];
}

export interface Inputs {
  machine?: Machine;
  run?: RunInfo;
  ingest?: IngestJson;
  fanout?: FanoutJson;
  rebuild?: RebuildJson;
}

function readJson<T>(dir: string, name: string): T | undefined {
  const file = path.join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(
      `bench report: ${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
}

export function loadInputs(dir = RESULTS): Inputs {
  return {
    machine: readJson<Machine>(dir, 'machine'),
    run: readJson<RunInfo>(dir, 'run'),
    ingest: readJson<IngestJson>(dir, 'ingest'),
    fanout: readJson<FanoutJson>(dir, 'fanout'),
    rebuild: readJson<RebuildJson>(dir, 'rebuild'),
  };
}
