/**
 * CPU accounting from Linux /proc: how much of one core each named group of processes used between
 * two samples, beside the whole machine's busy time.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU time every core spent busy (not idle, not waiting for I/O), in ms, and the part of it the
 * hypervisor gave to another guest (steal: a virtual machine's core that was ready to run and did
 * not). Seen at a fifth of both cores on a 2-core machine while the fault suite ran.
 */
function machineMs(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busy: (total - t[3] - t[4]) * TICK_MS, steal: t[7] * TICK_MS };
}

export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Named groups of processes whose CPU time is reported, e.g. `gateway`, `clients`. */
export type CpuGroups = Record<string, () => number[]>;
export interface CpuSample {
  readonly at: number;
  readonly machine: number;
  readonly steal: number;
  readonly ms: Record<string, Map<number, number>>;
}

export function cpuSample(groups: CpuGroups): CpuSample {
  const ms: Record<string, Map<number, number>> = {};
  for (const [name, pids] of Object.entries(groups)) {
    ms[name] = new Map(
      pids()
        .filter((pid) => pid > 0)
        .map((pid) => [pid, cpuMsOf(pid)]),
    );
  }
  const self = process.cpuUsage();
  ms.bench = new Map([[process.pid, (self.user + self.system) / 1000]]);
  const { busy, steal } = machineMs();
  return { at: Date.now(), machine: busy, steal, ms };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Percent of one core each group used between two samples; `machine` is every core's busy time,
 * `steal` the part of it taken by the hypervisor for other guests, and `other` what neither the
 * groups nor steal account for (other processes, the kernel's own work).
 * Only processes alive at the second sample count (one started in between counts from its start,
 * as does a pid reused meanwhile).
 */
export function cpuPercent(a: CpuSample, b: CpuSample): Record<string, number> {
  const wall = b.at - a.at;
  const out: Record<string, number> = {};
  let ours = 0;
  for (const [name, now] of Object.entries(b.ms)) {
    let used = 0;
    for (const [pid, ms] of now) {
      const before = a.ms[name]?.get(pid) ?? 0;
      // Less than before: the process died and its pid went to a new one (PostgreSQL backends do).
      used += ms >= before ? ms - before : ms;
    }
    ours += used;
    out[name] = round1((used / wall) * 100);
  }
  const steal = b.steal - a.steal;
  out.steal = round1((steal / wall) * 100);
  out.other = round1((Math.max(0, b.machine - a.machine - ours - steal) / wall) * 100);
  out.machine = round1(((b.machine - a.machine) / wall) * 100);
  return out;
}

/** `ingest 95, postgres 60, ...`: a cpuPercent result as one line. */
export function cpuLine(percent: Record<string, number>): string {
  return Object.entries(percent)
    .map(([name, p]) => `${name} ${p}`)
    .join(', ');
}
