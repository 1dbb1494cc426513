import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Config } from '@livefeed/common';
import { EXIT, type ExitCode } from '../cli.errors';
import { CONFIG } from '../cli.tokens';
import { STORM_SCRIPT, type DemoStep } from '../demo/storm.script';
import { ReportFiler } from '../filing/report.filer';
import { type ParsedLine, reportLine } from '../filing/report.lines';
import { Connections } from '../infra/connections';
import { Terminal } from '../infra/terminal';
import type { CliCommand } from './cli.command';

export interface DemoOptions {
  /** How many times faster than the script's own timing (about 2.5 minutes at 1). */
  readonly pace: number;
  readonly story?: string;
  readonly wait: number;
}

const encoder = new TextEncoder();

/** What the running commentary says of a step. */
function describeStep(step: DemoStep): string {
  const d = step.data;
  const what =
    typeof d.entryId === 'string'
      ? `${d.entryId}${typeof d.kind === 'string' && d.kind !== 'update' ? ` (${d.kind})` : ''}`
      : typeof d.figureId === 'string'
        ? `${d.figureId} = ${String(d.value)}${typeof d.unit === 'string' ? ` ${d.unit}` : ''} (${String(d.qualifier ?? 'exact')})`
        : ([d.title, d.summary, d.note].find((t) => typeof t === 'string') ?? '');
  return `${step.type} ${what}`.trim();
}

/**
 * `livefeed demo`: plays the scripted storm story (src/demo/storm.script.ts) through the normal
 * ingest path, paced, with its reader page's address on stderr. `occurredAt` is left out, so each
 * report happens when ingest receives it, as it would from a newsroom tool. Report ids derive
 * from the story id, so playing the demo again into the same `--story` changes nothing.
 */
@Injectable()
export class DemoCommand implements CliCommand<DemoOptions> {
  constructor(
    @Inject(ReportFiler) private readonly filer: ReportFiler,
    @Inject(Terminal) private readonly terminal: Terminal,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(Connections) private readonly connections: Connections,
  ) {}

  async run(options: DemoOptions, signal: AbortSignal): Promise<ExitCode> {
    const storyId = options.story ?? `storm-maren-${randomBytes(3).toString('hex')}`;
    const lines: ParsedLine[] = STORM_SCRIPT.map((step, i) => {
      const report = { id: `${storyId}-${String(i + 1).padStart(2, '0')}`, storyId, ...step };
      const { at: _at, ...filed } = report;
      return reportLine(i + 1, encoder.encode(JSON.stringify(filed)));
    });
    const existing = await (await this.connections.store()).storyVersion(storyId);
    if (existing !== null)
      this.terminal.note(
        `story ${storyId} exists already (version ${existing}): reports the demo filed before keep their first outcome`,
      );
    const seconds = STORM_SCRIPT[STORM_SCRIPT.length - 1].at / options.pace;
    // GATEWAY_PORT=0 lets the gateway pick a port: only the gateway knows which.
    const port = this.config.GATEWAY_PORT === 0 ? '<gateway port>' : this.config.GATEWAY_PORT;
    this.terminal.note(
      `demo story ${storyId}: ${lines.length} reports over ${seconds.toFixed(1)} s\n` +
        `reader page: http://127.0.0.1:${port}/stories/${storyId}`,
    );
    const { summary, interrupted } = await this.filer.file(lines, {
      title: 'demo',
      schedule: (i) => (STORM_SCRIPT[i].at * 1000) / options.pace,
      describe: (line) =>
        `${String(line.line).padStart(2)} ${describeStep(STORM_SCRIPT[line.line - 1])}`,
      waitSeconds: options.wait,
      signal,
    });
    const rejected = Object.entries(summary.rejected).map(([code, n]) => `${code} ${n}`);
    const ok =
      !interrupted && summary.broken.length === 0 && summary.accepted === STORM_SCRIPT.length;
    this.terminal.result(
      { storyId, reports: summary.published },
      `${interrupted ? 'interrupted: ' : ''}demo story ${storyId}: ${summary.published} reports filed, ` +
        `${summary.accepted} accepted` +
        (rejected.length > 0 ? `, rejected: ${rejected.join(', ')}` : '') +
        (summary.pending > 0 ? `, ${summary.pending} still undecided (is ingest running?)` : ''),
    );
    return ok ? EXIT.ok : EXIT.failed;
  }
}
