import { Inject, Injectable } from '@nestjs/common';
import { PipelinedPublisher } from '@livefeed/messaging';
import type { ExitCode } from '../cli.errors';
import { Connections } from '../infra/connections';
import { readInput } from '../infra/input.file';
import { abortableSleep } from '../infra/sleep';
import { Terminal } from '../infra/terminal';
import {
  describeFiling,
  filingExitCode,
  type FilingSummary,
  plural,
  tallyFiling,
} from './filing.summary';
import { OutcomeTracker } from './outcome.tracker';
import { type BrokenLine, type FilingLine, jsonLines, type ParsedLine } from './report.lines';

/** Publishes awaiting their JetStream acks at once; beyond it the next publish waits. */
const MAX_IN_FLIGHT = 512;
/** After Ctrl-C, how long the outcomes of what was published are still waited for. */
const INTERRUPTED_GRACE_MS = 1_000;

export interface FilingOptions {
  /** Shown before the bars: `publish`, `import`. */
  readonly title: string;
  /** When to file line `index` of those to file, in ms after the start; at once when absent. */
  readonly schedule?: (index: number) => number;
  /** A line to show for each report once published (the demo's running commentary). */
  readonly describe?: (line: FilingLine) => string;
  /** Seconds to wait for the outcomes once everything is published. */
  readonly waitSeconds: number;
  readonly signal: AbortSignal;
}

export interface FilingRun {
  readonly summary: FilingSummary;
  /** True when Ctrl-C cut the run short. */
  readonly interrupted: boolean;
}

/**
 * Files reports through the normal ingest path (docs/protocol.md, "Reports in"): each on
 * `<root>.reports.<storyId>` with `Nats-Msg-Id` = its id, in file order (so in filing order), then
 * waits for every outcome. Broken lines are set aside by number and the rest go on.
 */
@Injectable()
export class ReportFiler {
  constructor(
    @Inject(Connections) private readonly connections: Connections,
    @Inject(Terminal) private readonly terminal: Terminal,
  ) {}

  /**
   * `publish` and `import`: every JSON line of the file at `path` (`-`: standard input) as `toLine`
   * reads it, filed; then the summary, and the exit code it makes (docs/cli.md).
   */
  async fileInput(
    path: string,
    toLine: (line: number, bytes: Uint8Array) => ParsedLine,
    options: FilingOptions,
  ): Promise<ExitCode> {
    const content = await readInput(path);
    const lines = [...jsonLines(content)].map(({ line, bytes }) => toLine(line, bytes));
    const { summary, interrupted } = await this.file(lines, options);
    this.terminal.result(summary, describeFiling(summary, interrupted));
    return filingExitCode(summary, interrupted);
  }

  async file(lines: readonly ParsedLine[], options: FilingOptions): Promise<FilingRun> {
    const store = await this.connections.store();
    const nc = await this.connections.natsWithStreams();
    const { subjects } = this.connections;
    const tracker = new OutcomeTracker(store);
    const publisher = new PipelinedPublisher(nc);
    const broken: BrokenLine[] = lines.flatMap((l) => (l.ok ? [] : [l.broken]));
    const toFile = lines.flatMap((l) => (l.ok ? [l.filing] : []));
    const publishedIds: string[] = [];
    const progress = this.terminal.progress(options.title, [
      { label: 'published', total: toFile.length, unit: 'reports' },
      { label: 'decided', total: toFile.length, unit: 'reports' },
    ]);

    let filed = false;
    let filedAt = Infinity;
    const settling = tracker.settle({
      filed: () => filed,
      deadline: () => filedAt + options.waitSeconds * 1000,
      signal: options.signal,
      onChange: (decided) => progress.update(1, decided),
    });
    try {
      const inFlight = new Set<Promise<void>>();
      const started = Date.now();
      for (let i = 0; i < toFile.length && !options.signal.aborted; i += 1) {
        const line = toFile[i];
        if (options.schedule) {
          await abortableSleep(started + options.schedule(i) - Date.now(), options.signal);
          if (options.signal.aborted) break;
        }
        const sent = publisher
          .publish(subjects.reports(line.storyId), line.bytes, line.reportId)
          .then(
            () => {
              publishedIds.push(line.reportId);
              tracker.expect(line.reportId);
              progress.update(0, publishedIds.length);
              if (options.describe) progress.log(options.describe(line));
            },
            (error: unknown) => {
              const reason = error instanceof Error ? error.message : String(error);
              broken.push({ line: line.line, error: `not published: ${reason}` });
            },
          )
          .finally(() => inFlight.delete(sent));
        inFlight.add(sent);
        while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      }
      // Published before Ctrl-C: their acks are on the way and their outcomes count.
      await Promise.all(inFlight);
      filed = true;
      filedAt = Date.now();
      progress.update(0, publishedIds.length);
      // Lines JetStream refused will never be decided.
      progress.update(1, tracker.decidedLines, publishedIds.length);
      await settling;
      // Cut short: what was published is being decided right now; a moment more to hear of it.
      if (options.signal.aborted)
        await tracker.settle({
          filed: () => true,
          deadline: () => filedAt + INTERRUPTED_GRACE_MS,
          signal: new AbortController().signal,
          onChange: (decided) => progress.update(1, decided),
        });
    } finally {
      publisher.close();
      progress.update(1, tracker.decidedLines);
      progress.stop();
    }
    const summary = tallyFiling(publishedIds, broken, (id) => tracker.outcome(id));
    if (summary.pending > 0 && !options.signal.aborted) {
      const e = tracker.lastError;
      this.terminal.note(
        e === undefined
          ? `${plural(summary.pending, 'report')} still undecided after ${options.waitSeconds} s: is ingest running on this deployment?`
          : `reading outcomes failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return { summary, interrupted: options.signal.aborted };
  }
}
