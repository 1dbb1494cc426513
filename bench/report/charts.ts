/**
 * The report's charts, drawn from the bench results with bench/lib/svg.ts: latency distributions,
 * throughput against each baseline, and CPU per process. Each is a file name and its SVG.
 */
import type { LoadResult } from '../fanout/window';
import { barChart, type BarChart, type Series } from '../lib/svg';
import type { Inputs } from './inputs';

export interface Chart {
  readonly file: string;
  readonly alt: string;
  readonly svg: string;
}

/** The line both latency charts draw: issue 11's p99 target. */
const P99_TARGET = { value: 100, label: 'target p99 100 ms' };

const chart = (file: string, spec: BarChart): Chart => ({
  file,
  alt: spec.title,
  svg: barChart(spec),
});

/** Publish→receive p50 / p99 / max, livefeed beside the baseline, per fan-out window; ingest at a fixed rate. */
function latency({ fanout, ingest }: Inputs): Chart | undefined {
  const rows: Array<[string, number | undefined, number | undefined]> = [];
  const r = fanout?.results;
  const windows: Array<[string, { livefeed?: LoadResult; baseline?: LoadResult } | undefined]> = [
    ['fan-out, 1 story', r?.one],
    ['fan-out, spread', r?.spread],
  ];
  for (const [label, w] of windows) {
    if (!w?.livefeed) continue;
    for (const p of ['p50', 'p99', 'max'] as const) {
      rows.push([`${label} ${p}`, w.livefeed.latencyMs[p], w.baseline?.latencyMs[p]]);
    }
  }
  if (ingest) {
    for (const p of ['p50', 'p99', 'max'] as const) {
      rows.push([
        `ingest at ${ingest.fixedRate.ratePerSec}/s ${p}`,
        ingest.fixedRate.latencyMs[p],
        undefined,
      ]);
    }
  }
  if (rows.length === 0) return undefined;
  return chart('latency.svg', {
    title: 'Latency: publish → receive (fan-out), publish → commit (ingest)',
    unit: 'ms',
    categories: rows.map((x) => x[0]),
    series: [
      { name: 'livefeed', values: rows.map((x) => x[1]) },
      { name: 'baseline (plain socket.io)', values: rows.map((x) => x[2]) },
    ],
    marker: { value: 100, label: 'target p99 100 ms' },
  });
}

/**
 * The spread window's p99 by the second its updates were published, livefeed beside the baseline:
 * whether the p99 is made throughout the window or in its first seconds (the load starting cold).
 */
function spreadBySecond({ fanout }: Inputs): Chart | undefined {
  const w = fanout?.results.spread;
  const lf = w?.livefeed?.latencyBySecond;
  // Results written before the window was split by second have no such field.
  if (!lf?.length) return undefined;
  const bl = w?.baseline?.latencyBySecond ?? [];
  const seconds = Array.from({ length: Math.max(lf.length, bl.length) }, (_, i) => i);
  const p99s = (xs: typeof lf) => seconds.map((i) => (xs[i]?.count ? xs[i].p99 : undefined));
  return chart('latency-spread-seconds.svg', {
    title: 'Spread: publish → receive p99 by second of the window',
    unit: 'ms',
    categories: seconds.map((i) => `published ${i}–${i + 1} s`),
    series: [
      { name: 'livefeed', values: p99s(lf) },
      { name: 'baseline (plain socket.io)', values: p99s(bl) },
    ],
    marker: P99_TARGET,
  });
}

type Pair = [label: string, livefeed: number | undefined, baseline: number | undefined];

function throughputChart(
  file: string,
  title: string,
  unit: string,
  baseline: string,
  rows: Pair[],
): Chart | undefined {
  const present = rows.filter((x) => x[1] !== undefined);
  if (present.length === 0) return undefined;
  return chart(file, {
    title,
    unit,
    categories: present.map((x) => x[0]),
    series: [
      { name: 'livefeed', values: present.map((x) => x[1]) },
      { name: baseline, values: present.map((x) => x[2]) },
    ],
  });
}

const bestStep = (steps?: LoadResult[]) =>
  steps?.reduce<LoadResult | undefined>(
    (a, b) => (!a || b.deliveriesPerSec > a.deliveriesPerSec ? b : a),
    undefined,
  );

/** Events/s of a catch-up: what every socket received, over the time until all were at head. */
export const catchUpRate = (s?: { eventsReceived: number; secondsToHead: number | null }) =>
  s && s.secondsToHead ? Math.round(s.eventsReceived / s.secondsToHead) : undefined;

function throughput({ ingest, fanout, rebuild }: Inputs): Chart[] {
  const r = fanout?.results;
  return [
    throughputChart(
      'throughput-ingest.svg',
      'Ingest: reports/s sustained',
      'reports/s',
      'baseline (plain multi-row INSERT)',
      [['ingest, full speed', ingest?.fullSpeed.reportsPerSec, ingest?.baselineInsertRowsPerSec]],
    ),
    throughputChart(
      'throughput-fanout.svg',
      'Fan-out: deliveries/s',
      'deliveries/s',
      'baseline (plain socket.io)',
      [
        [
          '1 story, equal offered load',
          r?.one?.livefeed?.deliveriesPerSec,
          r?.one?.baseline?.deliveriesPerSec,
        ],
        [
          'spread, equal offered load',
          r?.spread?.livefeed?.deliveriesPerSec,
          r?.spread?.baseline?.deliveriesPerSec,
        ],
        [
          'saturation: best step',
          bestStep(r?.saturation?.livefeed)?.deliveriesPerSec,
          bestStep(r?.saturation?.baseline)?.deliveriesPerSec,
        ],
      ],
    ),
    throughputChart(
      'throughput-resume.svg',
      'Resume: catch-up events/s (all sockets at head)',
      'events/s',
      'baseline (plain socket.io, from memory)',
      [
        ['reconnect storm', catchUpRate(r?.storm?.livefeed), catchUpRate(r?.storm?.baseline)],
        [
          'resubscribe storm',
          catchUpRate(r?.resubscribe?.livefeed),
          catchUpRate(r?.resubscribe?.baseline),
        ],
      ],
    ),
    throughputChart(
      'throughput-rebuild.svg',
      'Rebuild: events/s folded',
      'events/s',
      'baseline (one query + domain fold)',
      [
        [
          'rebuildProjections (swap)',
          rebuild?.rebuild.eventsPerSec,
          rebuild?.baseline.eventsPerSec,
        ],
        [
          'rebuildProjections --verify',
          rebuild?.verify.eventsPerSec,
          rebuild?.baseline.eventsPerSec,
        ],
      ],
    ),
  ].filter((c): c is Chart => c !== undefined);
}

/** Every window's CPU by process, stacked (`machine`, the total, left out: it is the sum plus idle). */
function cpu({ ingest, fanout, rebuild }: Inputs): Chart | undefined {
  const windows: Array<[string, Record<string, number> | undefined]> = [
    ['ingest, full speed', ingest?.fullSpeed.cpuPercent],
    [`ingest, ${ingest?.fixedRate.ratePerSec ?? '?'}/s`, ingest?.fixedRate.cpuPercent],
  ];
  const r = fanout?.results;
  for (const system of ['livefeed', 'baseline'] as const) {
    windows.push(
      [`${system}: 1 story`, r?.one?.[system]?.cpuPercent],
      [`${system}: spread`, r?.spread?.[system]?.cpuPercent],
      [`${system}: saturation best`, bestStep(r?.saturation?.[system])?.cpuPercent],
      [`${system}: reconnect storm`, r?.storm?.[system]?.cpuPercent],
      [`${system}: resubscribe storm`, r?.resubscribe?.[system]?.cpuPercent],
    );
  }
  windows.push(
    ['rebuild: plain fold', rebuild?.baseline.cpuPercent],
    ['rebuild: rebuildProjections', rebuild?.rebuild.cpuPercent],
  );
  const present = windows.filter((w): w is [string, Record<string, number>] => w[1] !== undefined);
  if (present.length === 0) return undefined;
  const names = [...new Set(present.flatMap(([, c]) => Object.keys(c)))].filter(
    (k) => k !== 'machine',
  );
  // `other` and `steal` last: what no listed process accounts for.
  const rank = (name: string) => (name === 'steal' ? 2 : name === 'other' ? 1 : 0);
  names.sort((a, b) => rank(a) - rank(b));
  const series: Series[] = names.map((name) => ({
    name,
    // A result from before bench/lib/cpu.ts counted reused pids may hold a small negative share.
    values: present.map(([, c]) => (c[name] === undefined ? undefined : Math.max(0, c[name]))),
  }));
  return chart('cpu.svg', {
    title: 'CPU per process, % of one core (200 = both cores)',
    unit: '% of one core',
    stacked: true,
    categories: present.map(([label]) => label),
    series,
  });
}

export function drawCharts(inputs: Inputs): Chart[] {
  return [latency(inputs), spreadBySecond(inputs), ...throughput(inputs), cpu(inputs)].filter(
    (c): c is Chart => c !== undefined,
  );
}
