/**
 * What machine a benchmark ran on, for the report: cores, CPU model, RAM, Node, the PostgreSQL and
 * NATS servers' versions, and the load average when it started.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import type { BenchNats } from './nats';

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly ramGiB: number;
  readonly node: string;
  readonly postgres: string;
  readonly nats: string;
  /** 1, 5 and 15 minute load averages. */
  readonly loadAverage: readonly number[];
}

const ADMIN_URL =
  process.env.LIVEFEED_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresVersion(): Promise<string> {
  const pg = new Client({ connectionString: ADMIN_URL });
  try {
    await pg.connect();
    const { rows } = await pg.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return rows[0].v;
  } catch (e) {
    return `unreachable (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    await pg.end().catch(() => undefined);
  }
}

/** The version of the NATS server the benchmarks use (bench/lib/nats.ts), and which one it is. */
async function natsVersion(nats: BenchNats): Promise<string> {
  try {
    const nc = await connect({ servers: nats.url, timeout: 3_000 });
    const v = nc.info?.version ?? '?';
    await nc.close();
    return `${v} (${nats.label})`;
  } catch (e) {
    return `unreachable (${e instanceof Error ? e.message : String(e)})`;
  }
}

export async function describeMachine(natsServer: BenchNats): Promise<Machine> {
  const [postgres, nats] = await Promise.all([postgresVersion(), natsVersion(natsServer)]);
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? '?',
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres,
    nats,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
