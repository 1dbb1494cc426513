import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEventually, freePort } from '@livefeed/common/testing';

/** A configuration file for the server (`-c`) and the environment its `$VARIABLES` come from. */
export interface PrivateNatsConfig {
  readonly file: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface PrivateNatsOptions {
  /** More of the server's environment, e.g. `GOMAXPROCS` (how many cores Go's scheduler uses). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * A nats-server with JetStream of the test's own, on a free port with a throw-away store, so that
 * a test can stop and restart NATS without disturbing anyone else's server. With a configuration
 * file (one that enables JetStream), the port, store and monitoring port still come from here.
 */
export class PrivateNatsServer {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly storeDir: string,
    private readonly config?: PrivateNatsConfig,
    private readonly monitorPort?: number,
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  static async start(
    config?: PrivateNatsConfig,
    options: PrivateNatsOptions = {},
  ): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'livefeed-nats-')),
      config,
      config ? await freePort() : undefined,
      options.env,
    );
    await server.restart();
    return server;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, with the same store: streams and durable consumers survive). */
  async restart(): Promise<void> {
    await this.stop();
    const args = this.config ? ['-c', this.config.file, '-m', String(this.monitorPort)] : ['-js'];
    this.process = spawn(
      'nats-server',
      [...args, '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir],
      { stdio: 'ignore', env: { ...process.env, ...this.env, ...this.config?.env } },
    );
    await expectEventually(() => canConnect(this.port), { timeoutMs: 10_000 });
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
