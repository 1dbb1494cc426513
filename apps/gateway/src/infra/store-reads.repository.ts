import { Inject, Injectable } from '@nestjs/common';
import type { StoryEvent, StoryState } from '@livefeed/domain';
import type {
  EntryHistory,
  EventStore,
  StoryPointInTime,
  StorySummary,
} from '@livefeed/event-store';
import { GatewayMetrics } from '../metrics/gateway.metrics';

/** The reads of the event store the gateway uses. */
export type EventStoreReads = Pick<
  EventStore,
  'getStory' | 'listStories' | 'readEvents' | 'stateAt' | 'entryHistory' | 'isHealthy'
>;

export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * Every PostgreSQL read of the gateway, counted: the reconnect-storm promise ("about one read per
 * story") is checked on this counter.
 */
@Injectable()
export class StoreReads {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStoreReads,
    private readonly metrics: GatewayMetrics,
  ) {}

  getStory(id: string): Promise<StoryState | null> {
    this.count('story');
    return this.store.getStory(id);
  }

  listStories(): Promise<readonly StorySummary[]> {
    this.count('list');
    return this.store.listStories();
  }

  readEvents(storyId: string, afterVersion: number, limit: number): Promise<readonly StoryEvent[]> {
    this.count('events');
    return this.store.readEvents(storyId, afterVersion, limit);
  }

  stateAt(storyId: string, at: StoryPointInTime): Promise<StoryState | null> {
    this.count('state-at');
    return this.store.stateAt(storyId, at);
  }

  entryHistory(storyId: string, entryId: string): Promise<EntryHistory | null> {
    this.count('entry-history');
    return this.store.entryHistory(storyId, entryId);
  }

  isHealthy(): Promise<boolean> {
    return this.store.isHealthy();
  }

  private count(query: string): void {
    this.metrics.databaseReads.inc({ query });
  }
}
