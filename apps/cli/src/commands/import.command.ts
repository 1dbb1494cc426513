import { Inject, Injectable } from '@nestjs/common';
import type { ExitCode } from '../cli.errors';
import { ReportFiler } from '../filing/report.filer';
import { eventLine } from '../filing/report.lines';
import type { CliCommand } from './cli.command';

export interface ImportOptions {
  readonly file: string;
  readonly wait: number;
}

/**
 * `livefeed import <file.jsonl>`: replays an export through the normal ingest path, each event
 * filed as the report it came from, so that importing twice changes nothing (docs/cli.md).
 */
@Injectable()
export class ImportCommand implements CliCommand<ImportOptions> {
  constructor(@Inject(ReportFiler) private readonly filer: ReportFiler) {}

  run(options: ImportOptions, signal: AbortSignal): Promise<ExitCode> {
    return this.filer.fileInput(options.file, eventLine, {
      title: 'import',
      waitSeconds: options.wait,
      signal,
    });
  }
}
