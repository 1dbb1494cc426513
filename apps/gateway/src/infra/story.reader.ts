import { Inject, Injectable } from '@nestjs/common';
import type { StoryEvent, StoryState } from '@livefeed/domain';
import { GatewayMetrics } from '../metrics/gateway.metrics';

/** A line of the public story list (CONTRACT section 5). */
export interface StoryListing {
  readonly id: string;
  readonly title: string;
  readonly status: 'live' | 'closed';
  readonly visibility: 'public' | 'private';
  readonly version: number;
  readonly updatedAt: string;
}

export type PointInTime = { readonly version: number } | { readonly instant: string };

/** The reads of the event store the gateway uses (structurally, `EventStore` from @livefeed/event-store). */
export interface EventStoreReads {
  getStory(id: string): Promise<StoryState | null>;
  listStories(): Promise<readonly StoryListing[]>;
  readEvents(storyId: string, afterVersion: number, limit: number): Promise<readonly StoryEvent[]>;
  storyVersion(id: string): Promise<number | null>;
  stateAt(storyId: string, at: PointInTime): Promise<StoryState | null>;
  isHealthy(): Promise<boolean>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * Every PostgreSQL read of the gateway, counted: the reconnect-storm promise ("about one read per
 * story") is checked on this counter.
 */
@Injectable()
export class StoryReader {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStoreReads,
    private readonly metrics: GatewayMetrics,
  ) {}

  getStory(id: string): Promise<StoryState | null> {
    this.count('story');
    return this.store.getStory(id);
  }

  listStories(): Promise<readonly StoryListing[]> {
    this.count('list');
    return this.store.listStories();
  }

  readEvents(storyId: string, afterVersion: number, limit: number): Promise<readonly StoryEvent[]> {
    this.count('events');
    return this.store.readEvents(storyId, afterVersion, limit);
  }

  storyVersion(id: string): Promise<number | null> {
    this.count('version');
    return this.store.storyVersion(id);
  }

  stateAt(storyId: string, at: PointInTime): Promise<StoryState | null> {
    this.count('state-at');
    return this.store.stateAt(storyId, at);
  }

  isHealthy(): Promise<boolean> {
    return this.store.isHealthy();
  }

  private count(query: string): void {
    this.metrics.databaseReads.inc({ query });
  }
}
