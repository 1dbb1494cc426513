import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EventFeed } from '@livefeed/messaging';
import { LOGGER, type Logger } from '../logging/logger.token';
import { StoryStreamsService } from '../stream/story-streams.service';

export const EVENT_FEED = Symbol('EVENT_FEED');

/**
 * This instance's own ordered consumer of `<root>.events.>` (docs/architecture.md: no socket.io
 * adapter): every committed event goes to its story's stream, which orders, dedupes and fans out.
 * Started before the HTTP server listens, so no subscriber can join a story before its events flow.
 */
@Injectable()
export class LiveFeedRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(EVENT_FEED) private readonly feed: EventFeed,
    private readonly streams: StoryStreamsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.feed.onEvent((event) => this.streams.offer(event));
    await this.feed.start();
    this.logger.info('reading the events stream');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.feed.stop();
  }
}
