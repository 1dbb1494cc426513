import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expectEventually } from '@livefeed/common/testing';

const ROOT = path.resolve(__dirname, '../..');
/** The package's bin, which runs the built CLI (`npm run build` first; CI and `npm test` do). */
const BIN = path.join(ROOT, 'bin/livefeed.js');
const ENTRY = path.join(ROOT, 'dist/apps/cli/apps/cli/src/main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's lines, without the empty one after the last newline. */
  readonly lines: string[];
}

/** The last line of stdout, parsed: what `--json` promises. */
export function summaryOf(result: CliResult): Record<string, unknown> {
  const last = result.lines[result.lines.length - 1];
  if (last === undefined) throw new Error(`no output; stderr:\n${result.stderr}`);
  return JSON.parse(last) as Record<string, unknown>;
}

/**
 * The `--json` summary of `publish` or `import` (docs/cli.md): nothing broken or rejected, every
 * line accepted and none pending unless said otherwise.
 */
export const filingSummary = (
  published: number,
  { accepted = published, pending = 0 }: { accepted?: number; pending?: number } = {},
) => ({ published, broken: [], accepted, rejected: {}, pending });

/** A running `livefeed` process, its output gathered as it comes. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      child.once('close', (code) => resolve(this.result(code))),
    );
  }

  /** Complete lines printed on stdout so far. */
  get lines(): string[] {
    const lines = this.stdout.split('\n');
    lines.pop();
    return lines;
  }

  /** Waits until `check` of the lines so far passes. */
  async until<T>(check: (lines: string[]) => T, timeoutMs = 30_000): Promise<T> {
    return expectEventually(() => check(this.lines), { timeoutMs, intervalMs: 50 });
  }

  interrupt(): void {
    this.child.kill('SIGINT');
  }

  private result(code: number | null): CliResult {
    const lines = this.stdout.split('\n');
    lines.pop();
    return { code, stdout: this.stdout, stderr: this.stderr, lines };
  }
}

/**
 * Starts the built CLI as a real process on the project's Node (jest's own, Node 24), with `env`
 * over the test's environment. Nothing is inherited from a terminal: stdout and stderr are pipes,
 * so progress comes as plain lines.
 */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
  { stdin }: { stdin?: string } = {},
): CliProcess {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build`);
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  return new CliProcess(child);
}

/** Runs the CLI to its end (SIGKILLed after `timeoutMs`, which fails the test). */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  { stdin, timeoutMs = 90_000 }: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const cli = startCli(args, env, { stdin });
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** JSON lines of reports, one a line. */
export function jsonl(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n') + '\n';
}
