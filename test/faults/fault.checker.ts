import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type FollowerView, versionsHeld } from '../support/followers';
import type { RawReport } from '../support/livefeed';

/** What went wrong with one kind of thing (reports in the log, or versions handed to readers). */
export interface Tally {
  lost: number;
  duplicated: number;
  outOfOrder: number;
  unexpected: number;
}

/** The figures of one fault case: what the log holds against what was filed, and every reader's. */
export interface FaultFigures {
  readonly name: string;
  readonly reports: Tally & { filed: number; committed: number; rejected: number };
  readonly readers: Tally & { readers: number; affected: number; delivered: number };
  /** The case's own measurements (kills, outage seconds, reads, what /health said …). */
  readonly extra: Record<string, unknown>;
}

/** One committed row of the event log. */
export interface LogRow {
  readonly story_id: string;
  readonly report_id: string;
  readonly version: number;
}

const zero = (): Tally => ({ lost: 0, duplicated: 0, outOfOrder: 0, unexpected: 0 });

/**
 * The one checker of the fault suite. Per report: each filed report is in the log exactly once
 * (lost, duplicated), at the version its place in its story's filing order gives it (out of
 * order), and the log holds nothing else and no version twice or past a gap (unexpected). Per
 * reader: it was handed each version 1..n of its story exactly once (lost, duplicated), ascending
 * (out of order), and nothing outside 1..n (unexpected), n being what the log holds.
 */
export function checkFaults(input: {
  readonly name: string;
  readonly filed: readonly RawReport[];
  readonly log: readonly LogRow[];
  readonly rejected: number;
  readonly readers: readonly { storyId: string; follower: Pick<FollowerView, 'log'> }[];
  readonly extra?: Record<string, unknown>;
}): FaultFigures {
  const reports = {
    ...zero(),
    filed: input.filed.length,
    committed: input.log.length,
    rejected: input.rejected,
  };
  const filedOrder = new Map<string, string[]>();
  const filedIds = new Set<string>();
  for (const r of input.filed) {
    filedOrder.set(r.storyId, [...(filedOrder.get(r.storyId) ?? []), r.id]);
    filedIds.add(r.id);
  }
  const times = new Map<string, number>();
  const byStory = new Map<string, LogRow[]>();
  for (const row of input.log) {
    times.set(row.report_id, (times.get(row.report_id) ?? 0) + 1);
    byStory.set(row.story_id, [...(byStory.get(row.story_id) ?? []), row]);
    if (!filedIds.has(row.report_id)) reports.unexpected++;
  }
  for (const id of filedIds) {
    const n = times.get(id) ?? 0;
    if (n === 0) reports.lost++;
    if (n > 1) reports.duplicated += n - 1;
  }
  for (const [storyId, rows] of byStory) {
    const sorted = [...rows].sort((a, b) => a.version - b.version);
    sorted.forEach((row, i) => {
      if (row.version !== i + 1) reports.unexpected++; // a gap or a repeated version
    });
    const order = filedOrder.get(storyId) ?? [];
    // Each report at its first commit: a duplicate is counted once, as duplicated.
    const committed = [...new Set(sorted.map((r) => r.report_id))].filter((id) => filedIds.has(id));
    const expected = order.filter((id) => times.has(id));
    committed.forEach((id, i) => {
      if (id !== expected[i]) reports.outOfOrder++;
    });
  }

  const heads = new Map<string, number>();
  for (const [storyId, rows] of byStory) heads.set(storyId, rows.length);
  const readers = { ...zero(), readers: input.readers.length, affected: 0, delivered: 0 };
  for (const { storyId, follower } of input.readers) {
    const t = checkReader(versionsHeld(follower), heads.get(storyId) ?? 0);
    readers.delivered += follower.log.length;
    if (t.lost + t.duplicated + t.outOfOrder + t.unexpected > 0) readers.affected++;
    for (const k of ['lost', 'duplicated', 'outOfOrder', 'unexpected'] as const) readers[k] += t[k];
  }
  const figures = { name: input.name, reports, readers, extra: input.extra ?? {} };
  printFigures(figures);
  return figures;
}

/** One reader's versions against 1..head. */
export function checkReader(versions: readonly number[], head: number): Tally {
  const t = zero();
  const seen = new Set<number>();
  let last = 0;
  for (const v of versions) {
    if (!Number.isInteger(v) || v < 1 || v > head) t.unexpected++;
    else if (seen.has(v)) t.duplicated++;
    else seen.add(v);
    if (v < last) t.outOfOrder++;
    last = Math.max(last, v);
  }
  for (let v = 1; v <= head; v++) if (!seen.has(v)) t.lost++;
  return t;
}

/** The figures with nothing wrong: what every case asserts its figures equal (save `extra`). */
export function clean(figures: FaultFigures): Omit<FaultFigures, 'extra'> {
  return {
    name: figures.name,
    reports: {
      ...figures.reports,
      ...zero(),
      committed: figures.reports.filed,
      rejected: 0,
    },
    readers: { ...figures.readers, ...zero(), affected: 0 },
  };
}

const FIGURES_FILE = path.resolve(__dirname, '../artifacts/faults/figures.jsonl');

/** One line per case on stderr (where CI shows jest's output), and the same as JSON in test/artifacts/faults/figures.jsonl. */
function printFigures(f: FaultFigures): void {
  const tally = (t: Tally) =>
    `lost=${t.lost} duplicated=${t.duplicated} out-of-order=${t.outOfOrder} unexpected=${t.unexpected}`;
  const extra = Object.entries(f.extra)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  process.stderr.write(
    `[fault] ${f.name}\n` +
      `  reports: filed=${f.reports.filed} committed=${f.reports.committed} rejected=${f.reports.rejected} ${tally(f.reports)}\n` +
      `  readers: ${f.readers.readers} (affected ${f.readers.affected}, ${f.readers.delivered} messages) ${tally(f.readers)}\n` +
      (extra ? `  ${extra}\n` : ''),
  );
  mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(
    FIGURES_FILE,
    JSON.stringify({ at: new Date().toISOString(), mode: faultMode(), ...f }) + '\n',
  );
}

/** `LIVEFEED_FAULTS=full` runs the full sizes; anything else (CI, `npm test`) the short ones. */
export function faultMode(): 'short' | 'full' {
  return process.env.LIVEFEED_FAULTS === 'full' ? 'full' : 'short';
}

export const sized = <T>(short: T, full: T): T => (faultMode() === 'full' ? full : short);
