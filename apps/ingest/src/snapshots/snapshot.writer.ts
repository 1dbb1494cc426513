import type { OnApplicationShutdown } from '@nestjs/common';
import type { StoryEvent } from '@livefeed/domain';
import type { EventStore } from '@livefeed/event-store';
import type { Logger } from 'pino';

/**
 * Stories whose due snapshots one round of three statements writes together. Few, so that a round
 * never holds the event loop or the database for long: a snapshot carries the whole story, so it
 * grows with it, and stories filed at one pace fall due together. With 64 a round, 100 such stories
 * at 2,000 reports/s stalled the commits every 5 s (publish→commit p99 224–325 ms, bench/ingest at
 * `--stories=100 --rate=2000`); with 4, p99 60–65 ms, and backlog throughput the same.
 */
export const STORIES_PER_ROUND = 4;
/**
 * How long a round waits for more stories to fall due: under a backlog, few large rounds cost the
 * database less than many small ones (measured with LIVEFEED_SNAPSHOT_EVERY=10 on bench/ingest).
 * Between rounds the commits run.
 */
const ROUND_DELAY_MS = 50;

/**
 * Writes the snapshots that commits make due, after them and never inside their transactions
 * (docs/architecture.md, "Snapshots"): a commit whose events reach a multiple of N for a story marks
 * that story, and one writer at a time folds its newest snapshot forward and stores the next ones.
 * It holds one connection at most and waits a little between rounds. Nothing depends on it being
 * prompt or even running: a read that finds a snapshot missing writes it itself.
 */
export class SnapshotWriter implements OnApplicationShutdown {
  private readonly due = new Set<string>();
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: Pick<EventStore, 'writeSnapshots'>,
    private readonly every: number,
    private readonly log: Logger,
    private readonly written: (count: number) => void = () => undefined,
  ) {}

  /** Told of newly committed events (not re-published duplicates). */
  committed(events: readonly StoryEvent[]): void {
    for (const event of events) if (event.version % this.every === 0) this.due.add(event.storyId);
    if (this.due.size > 0 && !this.closed) this.running ??= this.run();
  }

  /** Stops taking stories and waits for the round in flight: the pool closes after this. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.due.size > 0 && !this.closed) {
        // After the commits of the next moments, gathering the stories they make due; the publishes
        // and acks of the batch go first.
        await new Promise((resolve) => setTimeout(resolve, ROUND_DELAY_MS));
        const stories = [...this.due].slice(0, STORIES_PER_ROUND);
        for (const storyId of stories) this.due.delete(storyId);
        try {
          this.written(await this.store.writeSnapshots(stories));
        } catch (err) {
          // Left to the next commit that makes one due, or to the first read that needs it.
          this.log.warn({ err, stories: stories.length }, 'writing snapshots failed');
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
