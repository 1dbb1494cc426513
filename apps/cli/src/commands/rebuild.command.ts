import { Injectable } from '@nestjs/common';
import {
  rebuildProjections,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildResult,
} from '@livefeed/event-store';
import type { Pool } from 'pg';
import { EXIT, type ExitCode } from '../cli.errors';
import type { Progress } from '../infra/progress';
import { ConnectedCommand } from './cli.command';

export interface RebuildCommandOptions {
  readonly story?: string;
  readonly verify: boolean;
}

/** Differences named in the human summary; `--json` has them all. */
const SHOWN_DIFFERENCES = 50;

/**
 * `livefeed rebuild [--story <id>] [--verify]`: rebuilds the projections from the event log while
 * the system runs and swaps them in at once, or with `--verify` rebuilds aside and names every
 * difference from the live projection instead (exit 1 if any). The work is the event store's
 * `rebuildProjections`; this command shows its progress and its result.
 */
@Injectable()
export class RebuildCommand extends ConnectedCommand<RebuildCommandOptions> {
  async run(options: RebuildCommandOptions, signal: AbortSignal): Promise<ExitCode> {
    const pool: Pool = await this.connections.pool();
    let progress: Progress | undefined;
    let phase: RebuildProgress['phase'] | undefined;
    let result: RebuildResult;
    try {
      const request: RebuildOptions = {
        storyId: options.story,
        verify: options.verify,
        signal,
        onProgress: (p) => {
          if (p.phase !== phase) {
            progress?.stop();
            phase = p.phase;
            progress = this.terminal.progress(`rebuild ${p.phase}`, [
              { label: 'events', total: p.totalEvents, unit: 'events' },
            ]);
          }
          progress?.update(0, p.events, p.totalEvents);
        },
      };
      result = await rebuildProjections(pool, request);
    } finally {
      progress?.stop();
    }
    const { differences } = result;
    const what = options.story ? `story ${options.story}` : `${result.stories} stories`;
    const lines = options.verify
      ? [`verified ${what} (${result.events} events): ${differences.length} differences`]
      : [`rebuilt ${what} from ${result.events} events${result.swapped ? ', swapped in' : ''}`];
    for (const d of differences.slice(0, SHOWN_DIFFERENCES))
      lines.push(`  ${d.storyId}: ${d.what}`);
    if (differences.length > SHOWN_DIFFERENCES)
      lines.push(`  … and ${differences.length - SHOWN_DIFFERENCES} more (--json lists them all)`);
    this.terminal.result(
      { stories: result.stories, events: result.events, swapped: result.swapped, differences },
      lines.join('\n'),
    );
    return differences.length > 0 ? EXIT.failed : EXIT.ok;
  }
}
