/**
 * bench/REPORT.md and its charts (bench/results/*.svg), from the results the benches wrote: the
 * machine, how each bench ran, the issue's targets with ✓/✗, a summary table per bench (livefeed
 * beside its baseline) and links to each bench's detailed report (bench/results/<bench>.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StormResult } from '../fanout/scenarios';
import { kb } from '../lib/report';
import type { LoadResult } from '../fanout/window';
import { type Chart, catchUpRate, drawCharts } from './charts';
import type { Inputs } from './inputs';
import { judgeTargets, mark } from './targets';

const n = (x: number | undefined) => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en'));
const pct = (a?: number, b?: number) =>
  a !== undefined && b ? `${((a / b) * 100).toFixed(1)} %` : 'n/a';
const table = (head: string[], rows: string[][]) => [
  `| ${head.join(' | ')} |`,
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
];

function machineLines({ machine, run }: Inputs): string[] {
  if (!machine) return ['Machine: not recorded (bench/results/machine.json missing).', ''];
  const load = machine.loadAverage.join(' / ');
  return [
    '## Machine',
    '',
    ...table(
      [
        'cores',
        'CPU',
        'RAM',
        'Node',
        'PostgreSQL',
        'NATS',
        'load average at start (1 / 5 / 15 min)',
      ],
      [
        [
          String(machine.cores),
          machine.cpuModel,
          `${machine.ramGiB} GiB`,
          machine.node,
          machine.postgres,
          machine.nats,
          load,
        ],
      ],
    ),
    machine.loadAverage[0] >= 1.5
      ? `**The machine was busy when the run began (1-minute load ${machine.loadAverage[0]} on ${machine.cores} cores):** ` +
        'other work shared the cores with the benches, so every figure below is lower than this code can do on a quiet machine.'
      : 'The machine was quiet when the run began.',
    '',
    ...(run
      ? table(
          ['bench', 'ran', 'seconds', 'arguments'],
          run.steps.map((s) => [
            s.name,
            s.ok ? 'ok' : '**failed**',
            String(s.seconds),
            s.args.join(' ') || '(defaults)',
          ]),
        )
      : []),
  ];
}

function ingestLines({ ingest }: Inputs): string[] {
  if (!ingest) return [];
  const { fullSpeed: f, fixedRate: r, sharedConsumer: s } = ingest;
  return [
    '## Ingest ([details](results/ingest.md))',
    '',
    `${n(ingest.params.reports)} reports over ${n(ingest.params.stories)} stories published to JetStream as fast as it acks; then ${n(r.ratePerSec)} reports/s for ${ingest.params.rateSeconds} s.`,
    '',
    ...table(
      ['measure', 'livefeed', 'baseline: plain multi-row INSERT of the same rows'],
      [
        [
          'sustained',
          `${n(f.reportsPerSec)} reports/s`,
          `${n(ingest.baselineInsertRowsPerSec)} rows/s (livefeed ${pct(f.reportsPerSec, ingest.baselineInsertRowsPerSec)})`,
        ],
        [
          `publish→commit at ${n(r.ratePerSec)}/s, p50 / p99 / max`,
          `${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`,
          '–',
        ],
        ...(s
          ? [
              [
                `sustained, ${s.processes} ingest processes sharing the consumer (${n(s.reports)} reports)`,
                `${n(s.reportsPerSec)} reports/s (${pct(s.reportsPerSec, f.reportsPerSec)} of one process)`,
                '–',
              ],
            ]
          : []),
      ],
    ),
    ...(s
      ? [
          `With ${s.processes} processes each sees only part of the reports stream, so the filing gate asks NATS for most reports whether an earlier one of the story is held elsewhere, and stories wait for each other's reports: NATS ${s.cpuPercent.nats ?? '?'} % of a core, ingest ${s.cpuPercent.ingest ?? '?'} % (both). More ingest processes add availability, not backlog throughput (bench/README.md).`,
          '',
        ]
      : []),
  ];
}

const latencyText = (x?: LoadResult) =>
  x ? `p50 ${x.latencyMs.p50} / p99 ${x.latencyMs.p99} ms, ${n(x.deliveriesPerSec)} /s` : 'n/a';
const bestOf = (steps?: LoadResult[]) =>
  steps?.reduce<LoadResult | undefined>(
    (a, b) => (!a || b.deliveriesPerSec > a.deliveriesPerSec ? b : a),
    undefined,
  );

function fanoutLines({ fanout }: Inputs): string[] {
  const r = fanout?.results;
  if (!r) return [];
  const rows: string[][] = [];
  if (r.one?.livefeed)
    rows.push([
      `${n(r.one.livefeed.subscribers)} subscribers on 1 story × ${r.one.livefeed.ratePerStory}/s`,
      latencyText(r.one.livefeed),
      latencyText(r.one.baseline),
    ]);
  if (r.spread?.livefeed) {
    const s = r.spread.livefeed;
    rows.push([
      `${n(s.subscribers)} subscribers over ${s.stories} stories × ${s.ratePerStory}/s`,
      latencyText(s),
      latencyText(r.spread.baseline),
    ]);
  }
  const best = bestOf(r.saturation?.livefeed);
  if (best)
    rows.push([
      'max deliveries/s (best saturation step)',
      `${n(best.deliveriesPerSec)} /s`,
      `${n(bestOf(r.saturation?.baseline)?.deliveriesPerSec)} /s`,
    ]);
  const m = r.memory;
  if (m?.livefeed) {
    const orNa = (b?: number) => (b === undefined ? 'n/a' : kb(b));
    const second = m.livefeed.cold ? 'a second ' : '';
    rows.push([
      `RSS per idle subscriber (${second}${n(m.livefeed.sockets)} sockets)`,
      orNa(m.livefeed.rssPerSubscriber),
      orNa(m.baseline?.rssPerSubscriber),
    ]);
    rows.push([
      '  heap used per idle subscriber',
      orNa(m.livefeed.heapPerSubscriber),
      orNa(m.baseline?.heapPerSubscriber),
    ]);
    if (m.livefeed.cold)
      rows.push([
        `  RSS per subscriber of the first ${n(m.livefeed.sockets)}, on a fresh server`,
        orNa(m.livefeed.cold.rssPerSubscriber),
        orNa(m.baseline?.cold?.rssPerSubscriber),
      ]);
  }
  return [
    '## Fan-out ([details](results/fanout.md))',
    '',
    'Publish → JetStream → ingest → PostgreSQL → events stream → gateway → socket, against a plain socket.io server emitting the same payloads (which pays for none of ingest, NATS and PostgreSQL).',
    '',
    ...table(['scenario', 'livefeed', 'baseline (plain socket.io)'], rows),
  ];
}

function resumeRow(label: string, lf?: StormResult, bl?: StormResult): string[] {
  const took = (s?: StormResult) =>
    !s
      ? 'n/a'
      : s.secondsToHead
        ? `${s.secondsToHead} s, ${n(catchUpRate(s))} events/s`
        : `not all at head (${n(s.atHead)} of ${n(s.sockets)})`;
  const whole = (s?: StormResult) =>
    s ? `${s.gaps} / ${s.repeats}; ${n(s.eventsReceived)} of ${n(s.eventsOwed)}` : 'n/a';
  return [label, took(lf), took(bl), whole(lf)];
}

function resumeLines({ fanout }: Inputs): string[] {
  const r = fanout?.results;
  if (!r?.storm?.livefeed && !r?.resubscribe?.livefeed) return [];
  const s = r.storm?.livefeed ?? r.resubscribe!.livefeed!;
  return [
    '## Resume ([details](results/fanout.md): its `storm` and `resubscribe` scenarios)',
    '',
    `${n(s.sockets)} sockets, each holding a random version 0..${s.headVersion} of one story, resume with \`since\` at the same moment: ` +
      'time until every socket holds the head, and the events/s of the catch-ups (events received ÷ that time). ' +
      'Livefeed serves the catch-ups from its cache or PostgreSQL; the baseline from an in-memory copy of the same events.',
    '',
    ...table(
      [
        'storm',
        'livefeed: all at head',
        'baseline: all at head',
        'livefeed gaps / repeats; events received of owed',
      ],
      [
        ...(r.storm?.livefeed
          ? [
              resumeRow(
                'reconnect (connect + subscribe at once)',
                r.storm.livefeed,
                r.storm.baseline,
              ),
            ]
          : []),
        ...(r.resubscribe?.livefeed
          ? [
              resumeRow(
                'resubscribe (connected first)',
                r.resubscribe.livefeed,
                r.resubscribe.baseline,
              ),
            ]
          : []),
      ],
    ),
  ];
}

function rebuildLines({ rebuild }: Inputs): string[] {
  if (!rebuild) return [];
  const { baseline: b, rebuild: r, verify: v } = rebuild;
  return [
    '## Rebuild ([details](results/rebuild.md))',
    '',
    `\`rebuildProjections(pool)\` over ${n(rebuild.params.events)} events in ${n(rebuild.params.stories)} stories, against the plain fold (domain \`fold\`) of the same events read with one query, which writes nothing.`,
    '',
    ...table(
      ['run', 'seconds', 'events/s', 'of baseline'],
      [
        ['baseline: one query + fold', String(b.seconds), n(b.eventsPerSec), '100 %'],
        [
          'rebuildProjections (fresh tables, swapped in)',
          String(r.seconds),
          n(r.eventsPerSec),
          pct(r.eventsPerSec, b.eventsPerSec),
        ],
        [
          'rebuildProjections --verify (compare, no swap)',
          String(v.seconds),
          n(v.eventsPerSec),
          pct(v.eventsPerSec, b.eventsPerSec),
        ],
      ],
    ),
  ];
}

const chartLines = (charts: Chart[]) => [
  '## Charts',
  '',
  ...charts.flatMap((c) => [`![${c.alt}](results/${c.file})`, '']),
];

/** The report's markdown, and the charts it links to. */
export function composeReport(
  inputs: Inputs,
  now = new Date(),
): { markdown: string; charts: Chart[] } {
  const charts = drawCharts(inputs);
  const quick = inputs.run?.quick
    ? " `--quick`: every bench shrunk to check that it runs; its figures are not the targets' loads and are not comparable with a full run."
    : '';
  const markdown = [
    `# Benchmark report (${now.toISOString()})`,
    '',
    `Written by \`npm run bench\` (bench/run.ts): every bench against its baseline in the same run, on this machine.${quick}`,
    '',
    ...machineLines(inputs),
    '## Targets (issue 11)',
    '',
    ...table(
      ['target', 'bar', 'measured', 'met'],
      judgeTargets(inputs).map((t) => [t.what, t.target, t.measured, mark(t.met)]),
    ),
    "– = not judged: the run did not carry the target's load, or the bench did not run.",
    '',
    ...ingestLines(inputs),
    ...fanoutLines(inputs),
    ...resumeLines(inputs),
    ...rebuildLines(inputs),
    ...chartLines(charts),
  ].join('\n');
  return { markdown, charts };
}

/** Writes `<benchDir>/REPORT.md` and `<benchDir>/results/<chart>.svg`. */
export function writeBenchReport(inputs: Inputs, benchDir: string): string {
  const { markdown, charts } = composeReport(inputs);
  mkdirSync(path.join(benchDir, 'results'), { recursive: true });
  for (const c of charts) writeFileSync(path.join(benchDir, 'results', c.file), c.svg);
  const file = path.join(benchDir, 'REPORT.md');
  writeFileSync(file, markdown);
  return file;
}
