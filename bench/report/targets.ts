/**
 * The targets for this 2-core machine (issue 11, "The benchmark report"), each judged from
 * the bench results: met (✓), missed (✗), or not judged (–) when the run did not carry the target's
 * load (a `--quick` run, or a bench that did not run).
 */
import { kb } from '../lib/report';
import type { Inputs } from './inputs';

export interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  /** undefined: not judged (see `measured` for why). */
  readonly met: boolean | undefined;
}

const n = (x: number) => Math.round(x).toLocaleString('en');
const missing = (what: string, target: string, bench: string): Target => ({
  what,
  target,
  measured: `not measured (bench/${bench} did not run or failed)`,
  met: undefined,
});

export function judgeTargets(inputs: Inputs): Target[] {
  return [spread(inputs), ingest(inputs), idle(inputs), storm(inputs)];
}

function spread({ fanout }: Inputs): Target {
  const what =
    'spread: 2,000 subscribers over 100 stories, 2,000 reports/s through ingest, 40,000 deliveries/s';
  const target = 'p99 publish→receive ≤ 100 ms';
  const lf = fanout?.results.spread?.livefeed;
  if (!lf) return missing(what, target, 'fanout');
  const reportsPerSec = lf.stories * lf.ratePerStory;
  const measured =
    `p99 ${lf.latencyMs.p99} ms (p50 ${lf.latencyMs.p50}) at ${n(reportsPerSec)} reports/s, ` +
    `${n(lf.deliveriesPerSec)} deliveries/s (${n(lf.delivered)} of ${n(lf.expected)})`;
  const atLoad = lf.stories >= 100 && reportsPerSec >= 2_000 && lf.offeredPerSec >= 40_000;
  if (!atLoad)
    return { what, target, measured: `${measured}; below the target's load`, met: undefined };
  return { what, target, measured, met: lf.latencyMs.p99 <= 100 && lf.delivered === lf.expected };
}

function ingest({ ingest: r }: Inputs): Target {
  const what = 'ingest sustained (first publish → last commit)';
  const target = '≥ 12,000 reports/s';
  if (!r) return missing(what, target, 'ingest');
  const measured = `${n(r.fullSpeed.reportsPerSec)} reports/s over ${n(r.params.reports)} reports (plain INSERT: ${n(r.baselineInsertRowsPerSec)} rows/s)`;
  if (r.params.reports < 20_000) {
    return { what, target, measured: `${measured}; too short a run to judge`, met: undefined };
  }
  return { what, target, measured, met: r.fullSpeed.reportsPerSec >= 12_000 };
}

function idle({ fanout }: Inputs): Target {
  const what = '5,000 idle subscribers: gateway RSS per subscriber';
  const target = '≤ 10 KB each';
  const m = fanout?.results.memory?.livefeed;
  if (!m) return missing(what, target, 'fanout');
  const figure = (r: { rssPerSubscriber: number; heapPerSubscriber: number }) =>
    `${kb(r.rssPerSubscriber)} RSS (heap ${kb(r.heapPerSubscriber)})`;
  const measured = m.cold
    ? `${figure(m)} per socket of a second ${n(m.sockets)}; the first ${n(m.sockets)} on a fresh gateway: ${figure(m.cold)}`
    : `${figure(m)} over ${n(m.sockets)} sockets`;
  if (m.sockets < 5_000)
    return { what, target, measured: `${measured}; fewer than 5,000`, met: undefined };
  return { what, target, measured, met: m.rssPerSubscriber <= 10 * 1024 };
}

function storm({ fanout }: Inputs): Target {
  const what = 'reconnect storm: 5,000 clients connect and resume with `since` at once';
  const target = 'all caught up ≤ 3 s, no gap, no repeat';
  const s = fanout?.results.storm?.livefeed;
  if (!s) return missing(what, target, 'fanout');
  const took =
    s.secondsToHead === null || Number.isNaN(s.secondsToHead) ? undefined : s.secondsToHead;
  const measured =
    (took === undefined ? `not all at head (${n(s.atHead)} of ${n(s.sockets)})` : `${took} s`) +
    `; gaps ${s.gaps}, repeats ${s.repeats}, ${n(s.eventsReceived)} of ${n(s.eventsOwed)} events`;
  if (s.sockets < 5_000)
    return { what, target, measured: `${measured}; fewer than 5,000`, met: undefined };
  const whole = s.gaps === 0 && s.repeats === 0 && s.eventsReceived === s.eventsOwed;
  return { what, target, measured, met: took !== undefined && took <= 3 && whole };
}

export const mark = (met: boolean | undefined) => (met === undefined ? '–' : met ? '✓' : '✗');
