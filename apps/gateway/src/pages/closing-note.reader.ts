import { Injectable } from '@nestjs/common';
import { StoreReads } from '../infra/store-reads.repository';

/** Events read per step back through the log, and how many steps at most. */
const STEP = 100;
const MAX_STEPS = 10;

/**
 * The note of the `story.closed` event a closed story was closed by. The state (libs/domain
 * story.state.ts) does not carry it, so the log is read backwards from the version shown, a page at
 * a time: a story is rarely changed much after it closed, so the first page almost always has it.
 */
@Injectable()
export class ClosingNoteReader {
  constructor(private readonly reader: StoreReads) {}

  async noteAt(storyId: string, version: number): Promise<string | null> {
    for (let top = version, step = 0; top > 0 && step < MAX_STEPS; top -= STEP, step++) {
      const after = Math.max(0, top - STEP);
      const events = await this.reader.readEvents(storyId, after, top - after);
      for (let i = events.length - 1; i >= 0; i--) {
        const event = events[i];
        if (event.type === 'story.closed') return event.data.note ?? null;
        if (event.type === 'story.reopened') return null;
      }
    }
    return null;
  }
}
