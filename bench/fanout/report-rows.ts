/**
 * The summary table of bench/fanout's report: one row per measured quantity, livefeed beside the
 * baseline, with its target and whether livefeed met it.
 */
import { kb } from '../lib/report';
import type { System } from './context';
import { P, TARGET } from './params';
import type { Results, StormResult } from './scenarios';
import { type Latency, type LoadResult, keptUp } from './window';

export type Row = [
  scenario: string,
  measured: string,
  baseline: string,
  target: string,
  met?: boolean,
];
type BySystem<T> = Record<System, T | undefined> | undefined;

export const n = (x: number) => x.toLocaleString('en');
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const lat = (x?: Latency) => (x ? `p99 ${x.p99} ms (p50 ${x.p50}, max ${x.max})` : 'n/a');
const rate = (x?: LoadResult) =>
  x ? `${n(x.deliveriesPerSec)} /s (${n(x.delivered)} of ${n(x.expected)})` : 'n/a';
const ratioOf = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
const best = (steps?: LoadResult[]) =>
  steps?.reduce((a, b) => (b.deliveriesPerSec > a.deliveriesPerSec ? b : a));
const sustained = (steps?: LoadResult[]) =>
  steps
    ?.filter(keptUp)
    .reduce<LoadResult | undefined>(
      (a, b) => (!a || b.offeredPerSec > a.offeredPerSec ? b : a),
      undefined,
    );

/** Every live window of a system: `one`, `spread`, then the saturation steps. */
export const liveWindows = (r: Results, s: System) =>
  [r.one?.[s], r.spread?.[s], ...(r.saturation?.[s] ?? [])].filter((x): x is LoadResult => !!x);

export function summaryRows(r: Results): Row[] {
  return [
    ...fixedRows(r.one, `${P.subscribers} subscribers on 1 story × ${P.rate} updates/s`),
    // Every story gets the `one` rate, so ingest takes `stories × spreadRate` reports/s (the issue's
    // target: 100 stories, 2,000 reports/s through ingest, 40,000 deliveries/s, at p99 ≤ 100 ms).
    ...fixedRows(
      r.spread,
      `${P.subscribers} subscribers over ${P.stories} stories × ${P.spreadRate} updates/s each`,
      ` (${n(P.stories * P.spreadRate)} reports/s through ingest)`,
    ),
    ...saturationRows(r.saturation),
    ...memoryRows(r),
    ...stormRows(r.storm),
    ...stormRows(r.resubscribe),
    integrityRow(r),
  ];
}

function fixedRows(res: BySystem<LoadResult>, title: string, p99Note = ''): Row[] {
  if (!res?.livefeed) return [];
  const lf = res.livefeed;
  const bl = res.baseline;
  const ratio = ratioOf(lf.deliveriesPerSec, bl?.deliveriesPerSec);
  return [
    [
      `${title}: publish→receive`,
      lat(lf.latencyMs),
      lat(bl?.latencyMs),
      `p99 ≤ ${TARGET.p99Ms} ms${p99Note}`,
      lf.latencyMs.p99 <= TARGET.p99Ms,
    ],
    ['  of which publish→committed event (ingest share)', lat(lf.committedMs), '–', '(info)'],
    [
      `  deliveries/s at equal offered load (${n(lf.offeredPerSec)} /s)`,
      rate(lf),
      rate(bl),
      `≥ 90 % of baseline: ${pct(ratio)}`,
      ratio === undefined ? undefined : ratio >= TARGET.ratio,
    ],
  ];
}

function saturationRows(res: BySystem<LoadResult[]>): Row[] {
  if (!res?.livefeed) return [];
  const lf = best(res.livefeed)!;
  const bl = best(res.baseline);
  const ratio = ratioOf(lf.deliveriesPerSec, bl?.deliveriesPerSec);
  const at = (x?: LoadResult) =>
    x ? `${n(x.deliveriesPerSec)} /s (at ${x.ratePerStory} updates/s)` : 'n/a';
  const held = (x?: LoadResult) =>
    x ? `${n(x.offeredPerSec)} /s, p99 ${x.latencyMs.p99} ms` : 'none';
  return [
    [
      `max deliveries/s, ${P.subscribers} subscribers on 1 story (best saturation step)`,
      at(lf),
      at(bl),
      `≥ 90 % of baseline: ${pct(ratio)}`,
      ratio === undefined ? undefined : ratio >= TARGET.ratio,
    ],
    [
      '  highest offered load kept up (≥ 95 % delivered, p99 ≤ 1 s, no drops)',
      held(sustained(res.livefeed)),
      res.baseline ? held(sustained(res.baseline)) : 'n/a',
      '(info)',
    ],
  ];
}

function memoryRows(r: Results): Row[] {
  if (!r.memory?.livefeed) return [];
  const lf = r.memory.livefeed;
  const bl = r.memory.baseline;
  const rounds = lf.cold ? `a second ${P.idle} sockets` : `${P.idle} sockets`;
  const rows: Row[] = [
    [
      `memory per idle subscriber (${rounds}), RSS`,
      kb(lf.rssPerSubscriber),
      bl ? kb(bl.rssPerSubscriber) : 'n/a',
      `≤ ${kb(TARGET.bytesPerIdle)}`,
      lf.rssPerSubscriber <= TARGET.bytesPerIdle,
    ],
    ['  heap used', kb(lf.heapPerSubscriber), bl ? kb(bl.heapPerSubscriber) : 'n/a', '(info)'],
  ];
  if (lf.cold)
    rows.push(
      [
        `  the first ${P.idle}, on a fresh server: RSS`,
        kb(lf.cold.rssPerSubscriber),
        bl?.cold ? kb(bl.cold.rssPerSubscriber) : 'n/a',
        '(info)',
      ],
      [
        '  the first: heap used',
        kb(lf.cold.heapPerSubscriber),
        bl?.cold ? kb(bl.cold.heapPerSubscriber) : 'n/a',
        '(info)',
      ],
    );
  return rows;
}

const took = (x: StormResult) =>
  Number.isNaN(x.secondsToHead)
    ? `> ${P.stormWaitSeconds} s: ${x.atHead} of ${x.sockets} at head (${x.listenOverflows} listen-queue overflows, ${x.serverCpuSeconds} CPU-s)`
    : `${x.secondsToHead} s (last ack ${x.lastAckSeconds} s; ${x.listenOverflows} listen-queue overflows, ${x.retries} reconnects; ${x.serverCpuSeconds} CPU-s)`;
const integrity = (x: StormResult) =>
  `${x.gaps} / ${x.repeats}; ${n(x.eventsReceived)} of ${n(x.eventsOwed)}`;

function stormRows(res: BySystem<StormResult>): Row[] {
  const lf = res?.livefeed;
  if (!lf) return [];
  const bl = res.baseline;
  const how =
    lf.mode === 'resubscribe'
      ? 'already connected, all subscribe at once'
      : P.stormSpreadMs
        ? `connect + subscribe over ${P.stormSpreadMs} ms`
        : 'connect + subscribe all at once';
  return [
    [
      `${lf.mode === 'resubscribe' ? 'resubscribe' : 'reconnect'} storm: ${P.storm} sockets holding 0..${P.stormVersion} of a story, ${how} → all at head`,
      took(lf),
      bl ? took(bl) : 'n/a',
      `≤ ${TARGET.stormSeconds} s`,
      lf.secondsToHead <= TARGET.stormSeconds,
    ],
    [
      '  gaps / repeats; events received of owed',
      integrity(lf),
      bl ? integrity(bl) : 'n/a',
      '0 / 0; all',
      lf.gaps === 0 && lf.repeats === 0 && lf.eventsReceived === lf.eventsOwed,
    ],
  ];
}

function integrityRow(r: Results): Row {
  const breaks = (s: System) => liveWindows(r, s).reduce((t, x) => t + x.gaps + x.repeats, 0);
  return [
    'gaps + repeats over every live window',
    String(breaks('livefeed')),
    r.one?.baseline ? String(breaks('baseline')) : 'n/a',
    '0',
    breaks('livefeed') === 0,
  ];
}
