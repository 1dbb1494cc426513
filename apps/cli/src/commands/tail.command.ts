import { Injectable } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import type { StoryEvent } from '@livefeed/domain';
import type { EventStore } from '@livefeed/event-store';
import { EXIT, type ExitCode } from '../cli.errors';
import { abortableSleep, Wakeup } from '../infra/sleep';
import { ConnectedCommand } from './cli.command';

export interface TailOptions {
  readonly story?: string;
  /** A story's version, or without a story a position in the whole log; inclusive. */
  readonly from?: number;
}

const PAGE = 500;
/** The longest a new event waits to be printed when no NATS wake-up came (one was lost, or no NATS). */
const POLL_MS = 250;
const RETRY_MS = 1_000;

/** Where a tail stands: it reads a page after it, prints it and moves on. */
interface Cursor {
  /** Describes where the tail starts, for the person. */
  readonly start: string;
  next(store: EventStore): Promise<StoryEvent[]>;
}

/**
 * `livefeed tail`: events as JSON lines, history first then live, until Ctrl-C. Everything comes
 * from the log in PostgreSQL, so it is gapless and has no repeats by construction: a story by
 * version (each version commits after the one before it), the whole log by position below the
 * horizon of transactions still running (`EventStore.readLog`). NATS only says when to look: an
 * event on `<root>.events.>` cuts the wait short; without NATS the tail polls.
 */
@Injectable()
export class TailCommand extends ConnectedCommand<TailOptions> {
  async run(options: TailOptions, signal: AbortSignal): Promise<ExitCode> {
    const store = await this.connections.store();
    const wakeup = new Wakeup();
    const subscription = await this.listen(options.story, wakeup);
    const stop = new AbortController();
    const stopAll = () => stop.abort();
    signal.addEventListener('abort', stopAll, { once: true });
    void this.terminal.closed.then(stopAll);
    let printed = 0;
    try {
      const cursor = await this.cursor(store, options);
      this.terminal.note(`${cursor.start}; Ctrl-C to stop`);
      let failing = false;
      while (!stop.signal.aborted) {
        let page: StoryEvent[];
        try {
          page = await cursor.next(store);
        } catch (error) {
          if (!failing) this.terminal.note(`reading the log failed, retrying: ${String(error)}`);
          failing = true;
          await abortableSleep(RETRY_MS, stop.signal);
          continue;
        }
        if (failing) this.terminal.note('reading the log again');
        failing = false;
        await this.terminal.lines(page.map((event) => JSON.stringify(event)));
        printed += page.length;
        if (page.length < PAGE) await abortableSleep(POLL_MS, stop.signal, wakeup);
      }
    } finally {
      signal.removeEventListener('abort', stopAll);
      subscription?.unsubscribe();
    }
    this.terminal.result({ events: printed }, `tail: ${printed} events`, 'stderr');
    return EXIT.ok;
  }

  private async cursor(store: EventStore, options: TailOptions): Promise<Cursor> {
    const storyId = options.story;
    if (storyId !== undefined) {
      const head = await store.storyVersion(storyId);
      let next = options.from ?? head ?? 1;
      const start =
        head === null
          ? `story ${storyId} does not exist yet: waiting for it`
          : `story ${storyId} from version ${next} (head ${head})`;
      return {
        start,
        next: async (s) => {
          const page = await s.readEvents(storyId, next - 1, PAGE);
          if (page.length > 0) next = page[page.length - 1].version + 1;
          return page;
        },
      };
    }
    const head = await store.logHead();
    let after = options.from !== undefined ? options.from - 1 : Math.max(head - 1, 0);
    return {
      start: `every story from log position ${after + 1} (head ${head})`,
      next: async (s) => {
        const page = await s.readLog(after, PAGE);
        if (page.length > 0) after = page[page.length - 1].position;
        return page.map((record) => record.event);
      },
    };
  }

  /** Best effort: without NATS the tail still works, polling. */
  private async listen(
    storyId: string | undefined,
    wakeup: Wakeup,
  ): Promise<Subscription | undefined> {
    const { subjects } = this.connections;
    try {
      const nc = await this.connections.nats();
      return nc.subscribe(storyId ? subjects.events(storyId) : subjects.eventsAll, {
        callback: () => wakeup.poke(),
      });
    } catch (error) {
      this.terminal.note(
        `${error instanceof Error ? error.message : String(error)}: polling PostgreSQL only`,
      );
      return undefined;
    }
  }
}
