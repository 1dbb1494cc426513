import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectEventually } from '@livefeed/common/testing';

const SCRIPT = path.resolve(__dirname, '../../scripts/start.js');
export const TOKEN = 'start-test-token';

/** One run of `npm start` (scripts/start.js, as `npm start` runs it), with what it printed. */
export class StartRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once the start block is printed; fails with the output if the script ends first. */
  async up(timeoutMs = 90_000): Promise<void> {
    let ended = false;
    void this.exited.then(() => (ended = true));
    await expectEventually(
      () => {
        if (this.stderr.includes('Ctrl-C stops everything.')) return;
        if (ended) throw new Error(`start ended before it was up:\n${this.stderr}`);
        throw new Error(`not up yet:\n${this.stderr}`);
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** The process and every descendant it has now (apps, reaper, servers, backends). */
  tree(): number[] {
    return descendants(this.pid);
  }

  /** Ctrl-C (SIGINT), or another signal, and its exit code. */
  async interrupt(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Starts scripts/start.js with exactly `env` over a PATH and HOME (no ambient LIVEFEED_*). */
export function runStart(env: Record<string, string>, args: string[] = []): StartRun {
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new StartRun(child);
}

/** A data directory of its own; traversable by all, as PostgreSQL runs as `postgres` under root. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'livefeed-start-'));
  chmodSync(dir, 0o755);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True while `pid` runs; a zombie counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function descendants(root: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    for (const [pid, ppid] of table) if (ppid === found[i]) found.push(pid);
  }
  return found;
}

/** The pids the started servers wrote: PostgreSQL's postmaster.pid and nats-server's -P file. */
export function servicePids(dataDir: string): { postgres?: number; nats?: number } {
  const first = (file: string) =>
    existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0].trim()) : undefined;
  return {
    postgres: first(path.join(dataDir, 'postgres', 'postmaster.pid')),
    nats: first(path.join(dataDir, 'nats', 'nats-server.pid')),
  };
}

export async function expectAllGone(pids: readonly number[], timeoutMs = 30_000): Promise<void> {
  await expectEventually(
    () => {
      const left = pids.filter(isRunning).map((p) => `${p} ${commandOf(p)}`);
      if (left.length > 0) throw new Error(`still running:\n${left.join('\n')}`);
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Last resort after a failed test: nothing a run started outlives the test file. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The port a URL line of the start block shows, e.g. `stories` → the gateway's. */
export function portIn(block: string, what: 'stories' | 'console'): number {
  const match = new RegExp(`^\\s+${what}\\s+http://localhost:(\\d+)/`, 'm').exec(block);
  if (!match) throw new Error(`no ${what} URL in:\n${block}`);
  return Number(match[1]);
}

/** Files a report through the write API and waits for its outcome. */
export async function file(ingestPort: number, storyId: string, report: object): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${ingestPort}/api/stories/${storyId}/reports?wait=10`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(report),
  });
  return { status: res.status, body: await res.json() };
}
