import { Inject, Injectable } from '@nestjs/common';
import type { ExitCode } from '../cli.errors';
import { ReportFiler } from '../filing/report.filer';
import { reportLine } from '../filing/report.lines';
import type { CliCommand } from './cli.command';

export interface PublishOptions {
  readonly file: string;
  readonly rate?: number;
  readonly wait: number;
}

/** `livefeed publish <file.jsonl>`: every line a report, filed and then waited for (docs/cli.md). */
@Injectable()
export class PublishCommand implements CliCommand<PublishOptions> {
  constructor(@Inject(ReportFiler) private readonly filer: ReportFiler) {}

  run(options: PublishOptions, signal: AbortSignal): Promise<ExitCode> {
    const rate = options.rate;
    return this.filer.fileInput(options.file, reportLine, {
      title: 'publish',
      // --rate: line i goes at i/rate seconds, so a slow start does not cause a burst later.
      schedule: rate === undefined ? undefined : (i) => (i * 1000) / rate,
      waitSeconds: options.wait,
      signal,
    });
  }
}
