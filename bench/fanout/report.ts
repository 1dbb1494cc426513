/**
 * bench/results/fanout.json (parameters, targets, every result) and bench/results/fanout.md: the
 * summary table (report-rows.ts), every load window, CPU, the ingest consumer, the apps' warnings,
 * the parameters, and with `--profile` the heap by allocation site and the gateway's CPU profiles.
 */
import os from 'node:os';
import { writeReport } from '../lib/report';
import type { System } from './context';
import { P, QUICK, TARGET } from './params';
import type { IngestHealth } from './filing';
import { type Row, liveWindows, n, summaryRows } from './report-rows';
import type { Profiles, Results, StormResult } from './scenarios';
import { type LoadResult, gatewayText } from './window';

export interface Extra {
  logged: Record<string, Record<string, number>>;
  health?: IngestHealth;
  profiles: Profiles;
  seconds: number;
  load: string[];
  /** Which NATS server the run used. */
  nats: string;
}

export function report(r: Results, extra: Extra): void {
  const md = [
    ...header(extra),
    ...summaryTable(summaryRows(r)),
    ...windowsTable(r),
    '',
    '`machine` is the busy time of all cores (200 = both), `steal` the part of it the hypervisor gave to other guests, `other` the part neither a listed process nor steal accounts for (other processes, kernel); ' +
      "`nats` is the run's NATS server (with `NATS_URL` set by hand, every nats-server on the machine), `postgres` every postgres process on the machine.",
    ...bySecondTable(r),
    ...healthLines(r, extra.health),
    ...loggedLines(extra.logged),
    ...parameters(),
    ...heapSection(r),
    ...profileSections(extra.profiles),
    '',
  ].join('\n');
  writeReport(
    'fanout',
    {
      machine: {
        cores: os.cpus().length,
        node: process.version,
        loadAverageAtStart: extra.load,
        nats: extra.nats,
      },
      params: P,
      targets: TARGET,
      results: r,
      logged: extra.logged,
    },
    md,
  );
}

const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✓' : '✗');
const cpuText = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function header(extra: Extra): string[] {
  const quick = QUICK ? ' `--quick`: every scenario shrunk, not comparable with a full run.' : '';
  return [
    `# bench/fanout (${new Date().toISOString()})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average at start ${extra.load.join(' ')}; ` +
      `ingest and gateway as real processes on NATS (${extra.nats}) + PostgreSQL; ${P.workers} client processes (${P.client} clients); whole run ${extra.seconds} s.${quick}`,
    '',
    'Latency = receipt in a client process − publish time stamped in the id (livefeed: JetStream publish → ingest → PostgreSQL → events stream → gateway → socket; ' +
      'baseline: socket.io emit → socket). Deliveries/s = events received ÷ (last receipt − first publish).',
    '',
  ];
}

function summaryTable(rows: Row[]): string[] {
  return [
    '| scenario | measured (livefeed) | baseline (plain socket.io) | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(([a, b, c, d, e]) => `| ${a} | ${b} | ${c} | ${d} | ${mark(e)} |`),
    '',
  ];
}

const windowRow = (x: LoadResult) =>
  `| ${x.system} | ${x.scenario} | ${x.ratePerStory} | ${n(x.offeredPerSec)} | ${n(x.deliveriesPerSec)} | ` +
  `${x.latencyMs.p50} / ${x.latencyMs.p99} / ${x.latencyMs.max} | ${x.committedMs ? `${x.committedMs.p50} / ${x.committedMs.p99}` : '–'} | ` +
  `${x.gateway ? gatewayText(x.gateway) : '–'} | ` +
  `${x.disconnects} | ${cpuText(x.cpuPercent)} |`;

/** Every live window, livefeed's then the baseline's, and the CPU of each storm. */
function windowsTable(r: Results): string[] {
  const windows = (['livefeed', 'baseline'] as System[]).flatMap((s) => liveWindows(r, s));
  return [
    '## Every load window',
    '',
    '| system | scenario | updates/s per story | offered deliveries/s | achieved | p50 / p99 / max ms | committed p50 / p99 ms | gateway: recorded→emit, event-loop delay, GC | dropped | CPU, % of one core |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...windows.map(windowRow),
    ...[...Object.values(r.storm ?? {}), ...Object.values(r.resubscribe ?? {})]
      .filter((x): x is StormResult => !!x)
      .map((x) => `\n${x.system} ${x.mode} storm CPU: ${cpuText(x.cpuPercent)}.`),
  ];
}

/**
 * How the `one` and `spread` windows went, second by second: a p99 made in the window's first
 * seconds (the load starting from nothing) reads differently from one made throughout.
 */
function bySecondTable(r: Results): string[] {
  const windows = (['livefeed', 'baseline'] as System[]).flatMap((s) =>
    [r.one?.[s], r.spread?.[s]].filter((x): x is LoadResult => !!x),
  );
  const seconds = Math.max(0, ...windows.map((x) => x.latencyBySecond.length));
  if (seconds === 0) return [];
  const columns = Array.from({ length: seconds }, (_, i) => `${i}–${i + 1} s`);
  const cell = (x: LoadResult, i: number) => {
    const s = x.latencyBySecond[i];
    return s && s.count > 0 ? `${s.p99} (${s.max})` : '–';
  };
  return [
    '',
    '## Publish→receive p99 (max) by the second the update was published, ms',
    '',
    `| system | scenario | ${columns.join(' | ')} |`,
    `| --- | --- | ${columns.map(() => '---').join(' | ')} |`,
    ...windows.map(
      (x) => `| ${x.system} | ${x.scenario} | ${columns.map((_, i) => cell(x, i)).join(' | ')} |`,
    ),
  ];
}

function healthLines(r: Results, health: IngestHealth | undefined): string[] {
  if (!health) return [];
  const republished = liveWindows(r, 'livefeed').reduce(
    (t, x) => t + (x.committedMs?.republished ?? 0),
    0,
  );
  return [
    '',
    `Ingest consumer at the end: ${n(health.reports)} reports in the stream, handed to ingest ${n(health.deliveries)} times ` +
      `(${(health.deliveries / Math.max(1, health.reports)).toFixed(1)} per report; ${n(health.redelivered)} being redelivered, ` +
      `${n(health.ackPending)} awaiting ack, ${n(health.pending)} not yet delivered). ` +
      `Event copies re-published during the livefeed windows: ${n(republished)}.`,
  ];
}

function loggedLines(logged: Extra['logged']): string[] {
  const lines = Object.entries(logged).flatMap(([app, msgs]) =>
    Object.entries(msgs).map(([msg, count]) => `- ${app}: ${count} × ${msg}`),
  );
  return lines.length ? ['', '## Warnings and errors the apps logged', '', ...lines] : [];
}

function parameters(): string[] {
  return [
    '',
    '## Parameters',
    '',
    '```',
    Object.entries(P)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `--${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' '),
    '```',
  ];
}

function heapSection(r: Results): string[] {
  const retained = r.memory?.livefeed?.retainedBySite;
  if (!retained) return [];
  return [
    '',
    `## Gateway heap retained per idle subscriber, by allocation site (sampled: ${retained.bytesPerUnit} B per socket)`,
    '',
    `By the package whose code allocated it (rxjs counted to its caller): ${retained.byOrigin.map((o) => `${o.origin} ${o.bytesPerUnit} B`).join(', ')}.`,
    '',
    '| bytes per socket | allocated at (innermost first ← callers) |',
    '| --- | --- |',
    ...retained.sites.map(
      (x) => `| ${x.bytesPerUnit} | \`${x.site.split(' ← ').reverse().join(' ← ')}\` |`,
    ),
  ];
}

function profileSections(profiles: Profiles): string[] {
  return Object.entries(profiles).flatMap(([scenario, p]) => [
    '',
    `## Gateway CPU profile, livefeed ${scenario} (${p.seconds} s, ${p.file})`,
    '',
    `By origin: ${p.byOrigin.map((o) => `${o.name} ${o.percent} %`).join(', ')}.`,
    '',
    '| self time | function |',
    '| --- | --- |',
    ...p.byFunction.map((f) => `| ${f.percent} % | \`${f.name}\` |`),
  ]);
}
