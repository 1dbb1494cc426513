import { Injectable } from '@nestjs/common';
import { EXIT, type ExitCode, FailedError } from '../cli.errors';
import { OutputFile } from '../infra/output.file';
import { ConnectedCommand } from './cli.command';

export interface ExportOptions {
  readonly story: string;
  readonly to?: string;
}

const PAGE = 1_000;

/**
 * `livefeed export --story <id>`: the story's events in version order as JSON lines, the envelope
 * of docs/protocol.md, "Events out", read through the event store (as every reader does, so events
 * stored in an older shape come out in today's). Exports the story as it stands when the command
 * starts: events committed meanwhile are left for the next export.
 */
@Injectable()
export class ExportCommand extends ConnectedCommand<ExportOptions> {
  async run(options: ExportOptions, signal: AbortSignal): Promise<ExitCode> {
    const store = await this.connections.store();
    const head = await store.storyVersion(options.story);
    if (head === null) throw new FailedError(`story ${options.story} does not exist`);
    const file = options.to !== undefined ? await OutputFile.open(options.to) : undefined;
    const sink = file ?? this.terminal;
    const progress = this.terminal.progress('export', [
      { label: 'exported', total: head, unit: 'events' },
    ]);
    let exported = 0;
    try {
      while (exported < head && !signal.aborted) {
        const page = await store.readEvents(
          options.story,
          exported,
          Math.min(PAGE, head - exported),
        );
        if (page.length === 0) break;
        await sink.lines(page.map((event) => JSON.stringify(event)));
        exported = page[page.length - 1].version;
        progress.update(0, exported);
      }
      progress.stop();
      if (signal.aborted)
        throw new FailedError(file ? 'interrupted: nothing was written' : 'interrupted');
      if (exported < head)
        throw new FailedError(
          `the log of ${options.story} ends at ${exported}, before version ${head}`,
        );
      await file?.commit();
    } catch (error) {
      progress.stop();
      await file?.discard();
      throw error;
    }
    this.terminal.result(
      { storyId: options.story, events: exported },
      `exported ${exported} events of story ${options.story}${options.to ? ` to ${options.to}` : ''}`,
      options.to ? 'stdout' : 'stderr',
    );
    return EXIT.ok;
  }
}
