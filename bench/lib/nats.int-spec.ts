import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { benchNats } from './nats';

const saved = {
  url: process.env.NATS_URL,
  label: process.env.LIVEFEED_BENCH_NATS,
  procs: process.env.LIVEFEED_BENCH_NATS_PROCS,
};

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

afterEach(() => {
  restore('NATS_URL', saved.url);
  restore('LIVEFEED_BENCH_NATS', saved.label);
  restore('LIVEFEED_BENCH_NATS_PROCS', saved.procs);
});

const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('benchNats', () => {
  it('without NATS_URL starts a nats-server of its own with GOMAXPROCS, hands it on and stops it', async () => {
    delete process.env.NATS_URL;
    delete process.env.LIVEFEED_BENCH_NATS;
    process.env.LIVEFEED_BENCH_NATS_PROCS = '1';
    const nats = await benchNats();
    const [pid] = nats.pids();
    try {
      expect(nats.label).toBe('a nats-server of its own, GOMAXPROCS=1');
      expect(environOf(pid)).toContain('GOMAXPROCS=1');
      // The apps and benches started from here find it in the environment.
      expect(process.env.NATS_URL).toBe(nats.url);
      expect(JSON.parse(process.env.LIVEFEED_BENCH_NATS ?? '')).toEqual({ label: nats.label, pid });
      const nc = await connect({ servers: nats.url });
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
    } finally {
      await nats.close();
    }
    expect(alive(pid)).toBe(false);
    expect(process.env.NATS_URL).toBeUndefined();
    expect(process.env.LIVEFEED_BENCH_NATS).toBeUndefined();
  });

  it('takes the GOMAXPROCS it is given', async () => {
    delete process.env.NATS_URL;
    process.env.LIVEFEED_BENCH_NATS_PROCS = '2';
    const nats = await benchNats();
    try {
      expect(environOf(nats.pids()[0])).toContain('GOMAXPROCS=2');
      expect(nats.label).toContain('GOMAXPROCS=2');
    } finally {
      await nats.close();
    }
  });

  it.each(['0', '-1', '1.5', 'two', ''])(
    'refuses LIVEFEED_BENCH_NATS_PROCS=%j and starts nothing',
    async (procs) => {
      delete process.env.NATS_URL;
      process.env.LIVEFEED_BENCH_NATS_PROCS = procs;
      await expect(benchNats()).rejects.toThrow(
        /LIVEFEED_BENCH_NATS_PROCS takes a positive integer/,
      );
      expect(process.env.NATS_URL).toBeUndefined();
    },
  );

  it('hands its server on to a bench started from here: same URL, label and process', async () => {
    delete process.env.NATS_URL;
    process.env.LIVEFEED_BENCH_NATS_PROCS = '1';
    const parent = await benchNats();
    try {
      // What a child process (`npm run bench` → one bench) sees: the environment it inherited.
      const child = await benchNats();
      expect(child.url).toBe(parent.url);
      expect(child.label).toBe(parent.label);
      // Its CPU is that server's alone, not every nats-server's on the machine.
      expect(child.pids()).toEqual(parent.pids());
      await child.close();
      expect(alive(parent.pids()[0])).toBe(true);
    } finally {
      await parent.close();
    }
  });

  it('with NATS_URL set uses that server as it is and leaves it running', async () => {
    const url = saved.url ?? 'nats://127.0.0.1:4222';
    process.env.NATS_URL = url;
    delete process.env.LIVEFEED_BENCH_NATS;
    const nats = await benchNats();
    expect(nats.url).toBe(url);
    expect(nats.label).toBe(`${url} (NATS_URL)`);
    await nats.close();
    expect(process.env.NATS_URL).toBe(url);
    const nc = await connect({ servers: url });
    await nc.close();
  });
});
