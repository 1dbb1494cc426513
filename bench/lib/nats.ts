/**
 * The NATS server a benchmark runs against. With `NATS_URL` set, that one, as it is. Otherwise a
 * nats-server of the run's own (the same binary as the machine's, JetStream on, a throw-away
 * store, a free port), started as docs/operations.md advises for a machine that NATS shares with
 * PostgreSQL and the apps: `GOMAXPROCS=1` (`LIVEFEED_BENCH_NATS_PROCS`), so that Go's scheduler
 * does not wake a second thread for every message. On these 2 cores that took NATS from 24 to 16 %
 * of a core at 2,000 reports/s (bench/README.md, "NATS on a shared machine").
 *
 * `npm run bench` starts one for the whole run and hands it to each benchmark in `NATS_URL`, with
 * `LIVEFEED_BENCH_NATS` saying what it is and which process (JSON: `{ label, pid }`); the apps a
 * benchmark starts inherit both.
 */
import { PrivateNatsServer } from '@livefeed/messaging/testing/private-nats-server';
import { pidsNamed } from './cpu';

export interface BenchNats {
  readonly url: string;
  /** What the report says about it. */
  readonly label: string;
  /** Its processes, for the CPU tables. */
  pids(): number[];
  close(): Promise<void>;
}

/** What `LIVEFEED_BENCH_NATS` hands on: a server started by `benchNats` in a parent process. */
interface HandedOn {
  readonly label: string;
  readonly pid: number;
}

export async function benchNats(): Promise<BenchNats> {
  const given = process.env.NATS_URL;
  if (given) {
    const handedOn = process.env.LIVEFEED_BENCH_NATS;
    const { label, pid } = handedOn
      ? (JSON.parse(handedOn) as HandedOn)
      : { label: `${given} (NATS_URL)`, pid: undefined };
    return {
      url: given,
      label,
      // A server named only by its URL may be any of the machine's.
      pids: () => (pid === undefined ? pidsNamed('nats-server') : [pid]),
      close: () => Promise.resolve(),
    };
  }
  const procsArg = process.env.LIVEFEED_BENCH_NATS_PROCS ?? '1';
  const procs = Number(procsArg);
  if (!Number.isInteger(procs) || procs < 1)
    throw new RangeError(
      `bench: LIVEFEED_BENCH_NATS_PROCS takes a positive integer; got ${JSON.stringify(procsArg)}`,
    );
  const server = await PrivateNatsServer.start(undefined, {
    env: { GOMAXPROCS: String(procs) },
  });
  const label = `a nats-server of its own, GOMAXPROCS=${procs}`;
  const pid = server.pid ?? 0;
  process.env.NATS_URL = server.url;
  process.env.LIVEFEED_BENCH_NATS = JSON.stringify({ label, pid } satisfies HandedOn);
  return {
    url: server.url,
    label,
    pids: () => [pid],
    close: async () => {
      delete process.env.NATS_URL;
      delete process.env.LIVEFEED_BENCH_NATS;
      await server.destroy();
    },
  };
}
