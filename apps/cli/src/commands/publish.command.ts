import { Inject, Injectable } from '@nestjs/common';
import type { ExitCode } from '../cli.errors';
import { describeFiling, filingExitCode } from '../filing/filing.summary';
import { ReportFiler } from '../filing/report.filer';
import { jsonLines, reportLine } from '../filing/report.lines';
import { readInput } from '../infra/input.file';
import { Terminal } from '../infra/terminal';

export interface PublishOptions {
  readonly file: string;
  readonly rate?: number;
  readonly wait: number;
}

/** `livefeed publish <file.jsonl>`: every line a report, filed and then waited for (docs/cli.md). */
@Injectable()
export class PublishCommand {
  constructor(
    @Inject(ReportFiler) private readonly filer: ReportFiler,
    @Inject(Terminal) private readonly terminal: Terminal,
  ) {}

  async run(options: PublishOptions, signal: AbortSignal): Promise<ExitCode> {
    const content = await readInput(options.file);
    const lines = [...jsonLines(content)].map(({ line, bytes }) => reportLine(line, bytes));
    const rate = options.rate;
    const { summary, interrupted } = await this.filer.file(lines, {
      title: 'publish',
      // --rate: line i goes at i/rate seconds, so a slow start does not cause a burst later.
      schedule: rate === undefined ? undefined : (i) => (i * 1000) / rate,
      waitSeconds: options.wait,
      signal,
    });
    this.terminal.result(summary, describeFiling(summary, interrupted));
    return filingExitCode(summary, interrupted);
  }
}
