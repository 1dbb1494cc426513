import { Inject, Injectable } from '@nestjs/common';
import type { ExitCode } from '../cli.errors';
import { describeFiling, filingExitCode } from '../filing/filing.summary';
import { ReportFiler } from '../filing/report.filer';
import { eventLine, jsonLines } from '../filing/report.lines';
import { readInput } from '../infra/input.file';
import { Terminal } from '../infra/terminal';

export interface ImportOptions {
  readonly file: string;
  readonly wait: number;
}

/**
 * `livefeed import <file.jsonl>`: replays an export through the normal ingest path, each event
 * filed as the report it came from, so that importing twice changes nothing (docs/cli.md).
 */
@Injectable()
export class ImportCommand {
  constructor(
    @Inject(ReportFiler) private readonly filer: ReportFiler,
    @Inject(Terminal) private readonly terminal: Terminal,
  ) {}

  async run(options: ImportOptions, signal: AbortSignal): Promise<ExitCode> {
    const content = await readInput(options.file);
    const lines = [...jsonLines(content)].map(({ line, bytes }) => eventLine(line, bytes));
    const { summary, interrupted } = await this.filer.file(lines, {
      title: 'import',
      waitSeconds: options.wait,
      signal,
    });
    this.terminal.result(summary, describeFiling(summary, interrupted));
    return filingExitCode(summary, interrupted);
  }
}
