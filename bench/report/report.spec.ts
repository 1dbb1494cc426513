import type { Inputs } from './inputs';
import { judgeTargets } from './targets';
import { composeReport } from './write';

const lat = (p50: number, p99: number) => ({ count: 100, p50, p99, max: p99 * 1.2 });
const window = (system: 'livefeed' | 'baseline', p99: number, stories = 100) => ({
  system,
  scenario: 'spread',
  subscribers: 2000,
  stories,
  ratePerStory: 20,
  seconds: 10,
  published: 20_000,
  expected: 400_000,
  delivered: 400_000,
  offeredPerSec: 40_000,
  deliveriesPerSec: 39_500,
  publishLagMs: 0,
  latencyMs: lat(p99 / 3, p99),
  // The first second slowest, as a cold start makes it.
  latencyBySecond: [
    { second: 0, ...lat(p99, p99 * 2) },
    { second: 1, ...lat(p99 / 4, p99 / 2) },
    { second: 2, count: 0, p50: NaN, p99: NaN, max: NaN },
  ],
  gaps: 0,
  repeats: 0,
  disconnects: 0,
  cpuPercent: { gateway: 60, ingest: 30, machine: 190, other: 5 },
});
const storm = (system: 'livefeed' | 'baseline', secondsToHead: number | null, sockets = 5000) => ({
  system,
  mode: 'connect',
  sockets,
  headVersion: 300,
  subscribed: sockets,
  failed: 0,
  retries: 0,
  errors: [],
  listenOverflows: 0,
  lastAckSeconds: 1,
  atHead: secondsToHead === null ? sockets - 1 : sockets,
  secondsToHead,
  eventsOwed: 746_168,
  eventsReceived: 746_168,
  snapshots: 0,
  gaps: 0,
  repeats: 0,
  cpuPercent: { gateway: 90, machine: 170 },
  serverCpuSeconds: 2,
});

function inputs(o: {
  p99?: number;
  stories?: number;
  rss?: number;
  /** The first round's RSS per socket, on a fresh gateway (none: a result file of one round). */
  coldRss?: number;
  storm?: number | null;
  reportsPerSec?: number;
}): Inputs {
  return {
    machine: {
      cores: 2,
      cpuModel: 'AMD EPYC',
      ramGiB: 8,
      node: 'v24.21.0',
      postgres: '16.4',
      nats: '2.9.25',
      loadAverage: [0.4, 0.6, 0.9],
    },
    run: { quick: false, startedAt: '2026-12-01T14:00:00.000Z', seconds: 500, steps: [] },
    ingest: {
      params: { reports: 50_000, stories: 500, rate: 1000, rateSeconds: 10 },
      baselineInsertRowsPerSec: 30_000,
      fullSpeed: {
        reportsPerSec: o.reportsPerSec ?? 13_000,
        latencyMs: lat(900, 2000),
        cpuPercent: { ingest: 90 },
      },
      fixedRate: { ratePerSec: 1000, latencyMs: lat(8, 20), cpuPercent: { ingest: 20 } },
    },
    fanout: {
      params: { subscribers: 2000, stories: 100, spreadRate: 20, idle: 5000, storm: 5000 },
      results: {
        spread: {
          livefeed: window('livefeed', o.p99 ?? 80, o.stories),
          baseline: window('baseline', 40),
        },
        memory: {
          livefeed: {
            sockets: 5000,
            before: { rss: 0, heap: 0 },
            after: { rss: 0, heap: 0 },
            rssPerSubscriber: o.rss ?? 9000,
            heapPerSubscriber: 7000,
            ...(o.coldRss === undefined
              ? {}
              : {
                  cold: {
                    before: { rss: 0, heap: 0 },
                    after: { rss: 0, heap: 0 },
                    rssPerSubscriber: o.coldRss,
                    heapPerSubscriber: 8000,
                  },
                }),
            fullGc: true,
          },
          baseline: undefined,
        },
        storm: {
          livefeed: storm('livefeed', o.storm === undefined ? 2.5 : o.storm),
          baseline: storm('baseline', 6),
        },
      },
    } as unknown as Inputs['fanout'],
  };
}

describe('the targets of issue 11', () => {
  it('are all met by figures within them', () => {
    expect(judgeTargets(inputs({})).map((t) => t.met)).toEqual([true, true, true, true]);
  });

  it('are each missed by a figure beyond it', () => {
    const t = judgeTargets(
      inputs({ p99: 101, reportsPerSec: 11_999, rss: 10 * 1024 + 1, storm: 3.01 }),
    );
    expect(t.map((x) => x.met)).toEqual([false, false, false, false]);
  });

  it('judge memory by the second round of sockets and state the first beside it', () => {
    const [, , met] = judgeTargets(inputs({ rss: 9 * 1024, coldRss: 15 * 1024 }));
    expect(met.met).toBe(true);
    expect(met.measured).toBe(
      '9.0 KB RSS (heap 6.8 KB) per socket of a second 5,000; the first 5,000 on a fresh gateway: 15.0 KB RSS (heap 7.8 KB)',
    );
    const [, , missed] = judgeTargets(inputs({ rss: 10 * 1024 + 1, coldRss: 9 * 1024 }));
    expect(missed.met).toBe(false);
    const [, , oneRound] = judgeTargets(inputs({ rss: 9 * 1024 }));
    expect(oneRound.measured).toBe('9.0 KB RSS (heap 6.8 KB) over 5,000 sockets');
  });

  it('count a storm that never reached the head as missed', () => {
    const [, , , stormTarget] = judgeTargets(inputs({ storm: null }));
    expect(stormTarget.met).toBe(false);
    expect(stormTarget.measured).toMatch(/not all at head \(4,999 of 5,000\)/);
  });

  it('are not judged below their load, nor when a bench did not run', () => {
    const [spread] = judgeTargets(inputs({ stories: 10 }));
    expect(spread.met).toBeUndefined();
    expect(spread.measured).toMatch(/below the target's load/);
    const none = judgeTargets({});
    expect(none.map((x) => x.met)).toEqual([undefined, undefined, undefined, undefined]);
    expect(none[1].measured).toMatch(/bench\/ingest did not run/);
  });
});

describe('the report', () => {
  it('states the machine, the targets and links every chart it draws', () => {
    const { markdown, charts } = composeReport(inputs({}), new Date('2026-12-01T15:00:00Z'));
    expect(markdown).toContain('# Benchmark report (2026-12-01T15:00:00.000Z)');
    expect(markdown).toContain(
      '| 2 | AMD EPYC | 8 GiB | v24.21.0 | 16.4 | 2.9.25 | 0.4 / 0.6 / 0.9 |',
    );
    expect(markdown).toContain('The machine was quiet');
    expect(markdown.match(/\| ✓ \|/g)).toHaveLength(4);
    expect(charts.map((c) => c.file)).toEqual(
      expect.arrayContaining([
        'latency.svg',
        'throughput-ingest.svg',
        'throughput-fanout.svg',
        'throughput-resume.svg',
        'cpu.svg',
      ]),
    );
    for (const c of charts) {
      expect(markdown).toContain(`](results/${c.file})`);
      expect(c.svg).toMatch(/^<svg /);
    }
  });

  it('says when the machine was busy, and when the run was a quick one', () => {
    const busy = inputs({});
    busy.machine = { ...busy.machine!, loadAverage: [4.2, 3, 2] };
    busy.run = { ...busy.run!, quick: true };
    const { markdown } = composeReport(busy);
    expect(markdown).toContain(
      'The machine was busy when the run began (1-minute load 4.2 on 2 cores)',
    );
    expect(markdown).toContain('`--quick`');
  });

  it('shows two ingest processes on one consumer beside one, when the bench measured them', () => {
    const two = inputs({ reportsPerSec: 10_000 });
    expect(composeReport(two).markdown).not.toContain('sharing the consumer');
    two.ingest = {
      ...two.ingest!,
      sharedConsumer: {
        processes: 2,
        reports: 20_000,
        reportsPerSec: 2_500,
        cpuPercent: { ingest: 64, nats: 58 },
      },
    };
    const { markdown } = composeReport(two);
    expect(markdown).toContain(
      '| sustained, 2 ingest processes sharing the consumer (20,000 reports) | 2,500 reports/s (25.0 % of one process) | – |',
    );
    expect(markdown).toContain('NATS 58 % of a core, ingest 64 % (both)');
  });

  it('draws the spread window second by second, and leaves the chart out for older results', () => {
    const { charts } = composeReport(inputs({ p99: 400 }));
    const chart = charts.find((c) => c.file === 'latency-spread-seconds.svg');
    expect(chart?.alt).toBe('Spread: publish → receive p99 by second of the window');
    expect(chart?.svg).toContain('published 0–1 s');
    expect(chart?.svg).toContain('published 2–3 s');
    // livefeed's p99 of the first second and of the second one; the empty third draws no bar.
    expect(chart?.svg).toContain('<title>livefeed: 800 ms</title>');
    expect(chart?.svg).toContain('<title>livefeed: 200 ms</title>');
    expect(chart?.svg).toContain('target p99 100 ms');
    expect(chart?.svg).not.toContain('NaN');

    const older = inputs({ p99: 400 });
    const spread = older.fanout!.results.spread!;
    for (const w of [spread.livefeed!, spread.baseline!]) {
      delete (w as { latencyBySecond?: unknown }).latencyBySecond;
    }
    expect(composeReport(older).charts.map((c) => c.file)).not.toContain(
      'latency-spread-seconds.svg',
    );
  });

  it('is written from nothing at all without throwing', () => {
    const { markdown, charts } = composeReport({});
    expect(markdown).toContain('Machine: not recorded');
    expect(charts).toEqual([]);
  });
});
