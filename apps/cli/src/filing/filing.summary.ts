import type { ReportOutcome } from '@livefeed/event-store';
import { EXIT, type ExitCode } from '../cli.errors';
import type { BrokenLine } from './report.lines';

/** The `--json` summary of `publish` and `import` (docs/cli.md). */
export interface FilingSummary {
  readonly published: number;
  readonly broken: readonly BrokenLine[];
  readonly accepted: number;
  /** Lines rejected, per rejection code (codes in alphabetical order). */
  readonly rejected: Readonly<Record<string, number>>;
  readonly pending: number;
}

/** Counts every published line once, by its report's (first) outcome. */
export function tallyFiling(
  publishedIds: readonly string[],
  broken: readonly BrokenLine[],
  outcomeOf: (reportId: string) => ReportOutcome | undefined,
): FilingSummary {
  let accepted = 0;
  let pending = 0;
  const rejected = new Map<string, number>();
  for (const id of publishedIds) {
    const outcome = outcomeOf(id);
    if (!outcome) pending += 1;
    else if (outcome.status === 'accepted') accepted += 1;
    else {
      const code = outcome.code ?? 'unknown';
      rejected.set(code, (rejected.get(code) ?? 0) + 1);
    }
  }
  return {
    published: publishedIds.length,
    broken: [...broken].sort((a, b) => a.line - b.line),
    accepted,
    rejected: Object.fromEntries([...rejected].sort(([a], [b]) => a.localeCompare(b))),
    pending,
  };
}

/**
 * 0 when every line was published and decided (a rejection is an outcome, not a failure), 1 when a
 * line was broken, an outcome was still pending, or the run was cut short.
 */
export function filingExitCode(summary: FilingSummary, interrupted: boolean): ExitCode {
  return summary.broken.length === 0 && summary.pending === 0 && !interrupted
    ? EXIT.ok
    : EXIT.failed;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary for a person. */
export function describeFiling(summary: FilingSummary, interrupted: boolean): string {
  const rejected = Object.values(summary.rejected).reduce((a, b) => a + b, 0);
  const codes = Object.entries(summary.rejected)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const lines = [
    `${interrupted ? 'interrupted: ' : ''}published ${plural(summary.published, 'report')}: ` +
      `${summary.accepted} accepted, ${rejected} rejected${codes ? ` (${codes})` : ''}, ` +
      `${summary.pending} pending`,
  ];
  if (summary.broken.length > 0) {
    lines.push(`${plural(summary.broken.length, 'broken line')}, not published:`);
    for (const b of summary.broken.slice(0, 20)) lines.push(`  line ${b.line}: ${b.error}`);
    if (summary.broken.length > 20) lines.push(`  … and ${summary.broken.length - 20} more`);
  }
  return lines.join('\n');
}
