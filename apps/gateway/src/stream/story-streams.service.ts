import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { STORY_ID, type StoryEvent } from '@livefeed/domain';
import {
  GATEWAY_CONFIG,
  GATEWAY_OPTIONS,
  type GatewayConfig,
  type GatewayOptions,
} from '../config/gateway.options';
import { StoreReads } from '../infra/store-reads.repository';
import { LOGGER, type Logger } from '../logging/logger.token';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { liveRoom, SocketHub } from '../push/socket.hub';
import { StoryStream, type StreamPorts } from './story.stream';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream.limits';

const HOUSEKEEPING_MS = 1000;

/**
 * Every story this instance knows, each with its cursor and recent events (a `StoryStream`), kept in
 * least-recently-used order: stories nobody follows are forgotten beyond `maxCachedStories`, and
 * caches are dropped, oldest first, when all of them together hold more than `maxCachedEventsTotal`.
 */
@Injectable()
export class StoryStreamsService implements OnModuleInit, OnApplicationShutdown {
  private readonly streams = new Map<string, StoryStream>();
  private readonly ports: StreamPorts;
  private readonly limits: StreamLimits;
  private housekeeping: NodeJS.Timeout | null = null;
  private closed = false;
  /** Live events that arrived during this turn of the event loop, by story. */
  private incoming = new Map<string, StoryEvent[]>();
  private incomingFlush: NodeJS.Immediate | null = null;

  constructor(
    reader: StoreReads,
    hub: SocketHub,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.limits = {
      ...DEFAULT_STREAM_LIMITS,
      cacheEvents: config.LIVEFEED_GATEWAY_CACHE_EVENTS,
      catchUpMax: options.catchUpMax,
      missingTtlMs: options.missingStoryTtlMs,
    };
    this.ports = {
      readEvents: (storyId, after, limit) => reader.readEvents(storyId, after, limit),
      loadStory: (storyId) => reader.getStory(storyId),
      loadStateAt: (storyId, version) => reader.stateAt(storyId, { version }),
      broadcast: (storyId, event) => {
        const sockets = hub.toRoom(liveRoom(storyId), 'event', event);
        metrics.deliveries.inc({ kind: 'live' });
        metrics.fanout.inc(sockets);
        const recordedAt = Date.parse(event.recordedAt);
        if (Number.isFinite(recordedAt))
          metrics.publishToEmit.observe(Math.max(0, Date.now() - recordedAt) / 1000);
      },
      sendSnapshot: (key, payload) => {
        hub.send(key, 'snapshot', payload);
        metrics.deliveries.inc({ kind: 'snapshot' });
      },
      // The event objects are shared by every catch-up that sends them.
      sendEvents: (key, events) => {
        hub.sendShared(key, 'event', events);
        metrics.deliveries.inc({ kind: 'catch-up' }, events.length);
      },
      together: (key, writes) => hub.together(key, writes),
      join: (key, storyId) => hub.join(key, liveRoom(storyId)),
      leave: (key, storyId) => hub.leave(key, liveRoom(storyId)),
      caughtUp: (events, source) => metrics.catchUps.observe({ source }, events),
      warn: (message, detail) => logger.warn(detail, message),
    };
  }

  onModuleInit(): void {
    this.housekeeping = setInterval(() => this.keepHouse(), HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  onApplicationShutdown(): void {
    this.close();
  }

  close(): void {
    this.closed = true;
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    if (this.incomingFlush) clearImmediate(this.incomingFlush);
    this.incomingFlush = null;
    this.incoming.clear();
    for (const stream of this.streams.values()) stream.close();
  }

  /** The stream of a story, created on first use; marks it recently used. */
  stream(storyId: string): StoryStream {
    let stream = this.streams.get(storyId);
    if (stream) {
      this.streams.delete(storyId);
    } else {
      stream = new StoryStream(storyId, this.ports, this.limits);
      if (this.closed) stream.close();
    }
    this.streams.set(storyId, stream);
    if (this.streams.size > this.options.maxCachedStories) this.evictIdle();
    return stream;
  }

  existing(storyId: string): StoryStream | undefined {
    return this.streams.get(storyId);
  }

  /**
   * A committed event from the live feed. It is handed on at the end of this turn of the event loop
   * together with the others of its story that arrived meanwhile: a story's events then reach its
   * readers one after the other in one synchronous run, which costs each reader two writes however
   * many events it holds (the first packet, then the rest that queued behind it: see
   * `SocketServerAdapter`). On time, that is one event at a time; behind, a burst per story.
   */
  offer(event: StoryEvent): void {
    if (this.closed || !STORY_ID.test(event.storyId)) return;
    const batch = this.incoming.get(event.storyId);
    if (batch) batch.push(event);
    else this.incoming.set(event.storyId, [event]);
    this.incomingFlush ??= setImmediate(() => this.handOn());
  }

  private handOn(): void {
    this.incomingFlush = null;
    const incoming = this.incoming;
    this.incoming = new Map();
    for (const [storyId, events] of incoming) this.stream(storyId).offer(events);
  }

  /** Subscribers per story on this instance (stories without any are left out). */
  localAudience(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [storyId, stream] of this.streams) {
      const n = stream.subscriberCount;
      if (n > 0) counts.set(storyId, n);
    }
    return counts;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Forgets the least recently used idle stories; looks at a few per call so a full map stays cheap. */
  private evictIdle(): void {
    let looked = 0;
    for (const [storyId, stream] of this.streams) {
      if (this.streams.size <= this.options.maxCachedStories || looked++ >= 64) break;
      if (!stream.idle) continue;
      stream.close();
      this.streams.delete(storyId);
    }
  }

  private keepHouse(): void {
    let cached = 0;
    for (const stream of this.streams.values()) cached += stream.cachedEvents;
    if (cached > this.options.maxCachedEventsTotal) {
      for (const stream of this.streams.values()) {
        if (cached <= this.options.maxCachedEventsTotal) break;
        cached -= stream.cachedEvents;
        stream.dropCache();
      }
      this.logger.debug({ cached }, 'dropped the caches of the least recently used stories');
    }
    this.metrics.cachedStories.set(this.streams.size);
    this.metrics.cachedEvents.set(cached);
  }
}
