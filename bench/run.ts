/**
 * `npm run bench`: the ingest, fan-out (with resume: its storm scenarios) and rebuild benchmarks,
 * each beside its baseline in the same run, one after the other as child processes, then
 * bench/REPORT.md with its charts (bench/results/*.svg). See bench/README.md.
 *
 *   npm run bench                      # the full run (~10 minutes on 2 cores); build first
 *   npm run bench -- --quick           # every bench shrunk: a check that it all runs (~2 minutes)
 *   npm run bench -- --only=rebuild    # some of the benches (ingest, fanout, rebuild)
 *   npm run bench -- --report          # no bench: the report again from bench/results/*.json
 *   npm run bench -- --settle=0        # start at once (by default it waits up to 90 s for the load
 *                                      # that its own build left to fall below 1.5; --quick: 0)
 *
 * A bench that fails is marked as such in the report (its old results are deleted first, so none
 * is reported as this run's); the command then exits with 1.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { describeMachine } from './lib/machine';
import { benchNats } from './lib/nats';
import {
  BENCHES,
  type BenchName,
  loadInputs,
  RESULTS,
  type RunInfo,
  type StepRun,
} from './report/inputs';
import { writeBenchReport } from './report/write';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const REPORT_ONLY = argv.includes('--report');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const settleArg = argv.find((a) => a.startsWith('--settle='))?.slice('--settle='.length);
/** The longest the run waits for a quiet machine, seconds. */
const SETTLE_S = settleArg === undefined ? (QUICK ? 0 : 90) : Number(settleArg);
/** The 1-minute load the report calls busy (bench/report/write.ts). */
const BUSY_LOAD = 1.5;

const SCRIPTS: Record<BenchName, string> = {
  ingest: 'ingest/ingest.bench.ts',
  fanout: 'fanout/fanout.bench.ts',
  rebuild: 'rebuild/rebuild.bench.ts',
};
const QUICK_ARGS: Record<BenchName, string[]> = {
  ingest: ['--reports=5000', '--stories=100', '--rate=500', '--seconds=3', '--shared=2000'],
  fanout: ['--quick'],
  rebuild: ['--quick'],
};

function chosen(): BenchName[] {
  if (only === undefined) return [...BENCHES];
  const names = only.split(',').filter(Boolean);
  const unknown = names.filter((x) => !(BENCHES as readonly string[]).includes(x));
  if (unknown.length > 0 || names.length === 0) {
    throw new RangeError(
      `bench: --only takes some of ${BENCHES.join(', ')}; got ${JSON.stringify(only)}`,
    );
  }
  return names as BenchName[];
}

function runBench(name: BenchName, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, SCRIPTS[name]), ...args],
      {
        stdio: 'inherit',
      },
    );
    child.on('error', (e) => {
      console.error(`bench ${name}: ${e.message}`);
      resolve(false);
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) console.error(`bench ${name}: exited with ${signal ?? code}`);
      resolve(code === 0);
    });
  });
}

/**
 * `npm run bench` builds first, and the build's own load lingers in the 1-minute average: waits until
 * it falls below {@link BUSY_LOAD}, at most `SETTLE_S` seconds; other work on the machine keeps it up,
 * and the report then says the machine was busy.
 */
async function settle(): Promise<void> {
  if (!Number.isFinite(SETTLE_S) || SETTLE_S < 0)
    throw new RangeError(
      `bench: --settle takes seconds (0 or more); got ${JSON.stringify(settleArg)}`,
    );
  const deadline = performance.now() + SETTLE_S * 1000;
  if (loadavg()[0] < BUSY_LOAD || SETTLE_S === 0) return;
  console.log(
    `bench: waiting up to ${SETTLE_S} s for the 1-minute load (${loadavg()[0].toFixed(2)}) to fall below ${BUSY_LOAD}`,
  );
  while (loadavg()[0] >= BUSY_LOAD && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 2_000));
}

async function main(): Promise<number> {
  const names = chosen();
  mkdirSync(RESULTS, { recursive: true });
  let failed = false;
  if (!REPORT_ONLY) {
    await settle();
    // One NATS server for the whole run; each bench gets it in NATS_URL.
    const nats = await benchNats();
    const machine = await describeMachine(nats);
    writeFileSync(path.join(RESULTS, 'machine.json'), JSON.stringify(machine, null, 2) + '\n');
    console.log(
      `bench: ${machine.cores} cores (${machine.cpuModel}), load average ${machine.loadAverage.join(' ')}`,
    );
    if (machine.loadAverage[0] >= BUSY_LOAD) {
      console.warn(
        'bench: the machine is busy (1-minute load ≥ 1.5): the figures will say so, not what this code can do',
      );
    }
    const began = performance.now();
    const steps: StepRun[] = [];
    for (const name of BENCHES) {
      // A bench not run this time leaves no results behind to be taken for this run's.
      rmSync(path.join(RESULTS, `${name}.json`), { force: true });
      if (!names.includes(name)) continue;
      const args = QUICK ? QUICK_ARGS[name] : [];
      console.log(`\nbench: ${name} ${args.join(' ')}`);
      const started = performance.now();
      const ok = await runBench(name, args);
      failed ||= !ok;
      if (!ok) rmSync(path.join(RESULTS, `${name}.json`), { force: true });
      steps.push({ name, ok, args, seconds: Math.round((performance.now() - started) / 1000) });
    }
    const run: RunInfo = {
      quick: QUICK,
      startedAt: new Date(Date.now() - (performance.now() - began)).toISOString(),
      seconds: Math.round((performance.now() - began) / 1000),
      steps,
    };
    writeFileSync(path.join(RESULTS, 'run.json'), JSON.stringify(run, null, 2) + '\n');
    await nats.close();
  }
  const file = writeBenchReport(loadInputs(), __dirname);
  console.log(`\nbench: wrote ${path.relative(process.cwd(), file)}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
