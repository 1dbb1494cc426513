import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(__dirname, '../..');

/** The built entry point of an app (`npm run build` first; CI and `npm test` do). */
export function entryOf(app: 'ingest' | 'gateway'): string {
  const file = path.join(ROOT, 'dist/apps', app, 'apps', app, 'src/main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  return file;
}

export interface AppProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly url: string;
  /** Every log line the process printed so far. */
  readonly lines: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/**
 * Starts a real app process with `env` over the process environment and resolves once it logs
 * `listening` with its port (apps listen on port 0 in tests). `entry` runs another build of the app
 * (its main.js) than this tree's.
 */
export async function startApp(
  app: 'ingest' | 'gateway',
  env: Record<string, string>,
  {
    timeoutMs = 30_000,
    execArgv = [] as string[],
    entry = entryOf(app),
    onLine,
  }: {
    timeoutMs?: number;
    execArgv?: string[];
    entry?: string;
    /** Sees every line the process prints, from the first (`lines` keeps only the latest). */
    onLine?: (line: string) => void;
  } = {},
): Promise<AppProcess> {
  const portVar = app === 'ingest' ? 'INGEST_PORT' : 'GATEWAY_PORT';
  const child = spawn(process.execPath, [...execArgv, entry], {
    env: { ...process.env, LIVEFEED_LOG_LEVEL: 'info', [portVar]: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the test: nobody else holds it.
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start:\n${lines.join('\n')}`));
    }, timeoutMs);
    const receive = (line: string) => {
      onLine?.(line);
      lines.push(line);
      if (lines.length > 5000) lines.splice(0, 1000);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          clearTimeout(timer);
          resolve(entry.port);
        }
      } catch {
        // not JSON: a stack trace or a plain message
      }
    };
    createInterface({ input: child.stdout! }).on('line', receive);
    createInterface({ input: child.stderr! }).on('line', receive);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    port,
    child,
    lines,
    url: `http://127.0.0.1:${port}`,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Stops every process with SIGTERM, and SIGKILLs one that has not exited within `killAfterMs`. */
export async function stopAll(
  processes: readonly AppProcess[],
  killAfterMs = 10_000,
): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      await p.stop();
      clearTimeout(timer);
    }),
  );
}

/** The app processes a test file started: each test's are stopped after it, whatever happened. */
export class AppFleet {
  private readonly running = new Set<AppProcess>();

  async start(
    app: 'ingest' | 'gateway',
    env: Record<string, string>,
    options?: Parameters<typeof startApp>[2],
  ): Promise<AppProcess> {
    const p = await startApp(app, env, options);
    this.running.add(p);
    void p.exited.then(() => this.running.delete(p));
    return p;
  }

  async stopAll(): Promise<void> {
    await stopAll([...this.running]);
    this.running.clear();
  }
}
