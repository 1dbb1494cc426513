import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { AudienceChannel } from '@livefeed/messaging';
import { GATEWAY_OPTIONS, type GatewayOptions } from '../config/gateway.options';
import { audienceRoom, SocketHub } from '../push/socket.hub';
import { StoryStreamsService } from '../stream/story-streams.service';
import { AudienceTally, type AudienceAnnouncement } from './audience.tally';

export const AUDIENCE_CHANNEL = Symbol('AUDIENCE_CHANNEL');

/**
 * How many readers follow each story across every gateway instance. Each instance announces its
 * local counts every `audiencePublishMs`; every `audienceEmitMs` the subscribers of a story whose
 * total changed hear `audience {storyId, count}` — at most that often, and only on change.
 */
@Injectable()
export class AudienceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly tally: AudienceTally;
  private readonly lastSent = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(AUDIENCE_CHANNEL) private readonly channel: AudienceChannel,
    private readonly streams: StoryStreamsService,
    private readonly hub: SocketHub,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.tally = new AudienceTally(options.instanceId, options.audienceExpiryMs);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.channel.subscribe((payload) => this.tally.receive(payload, Date.now()));
    this.timers = [
      setInterval(() => this.announce(), this.options.audiencePublishMs),
      setInterval(() => this.emitChanges(), this.options.audienceEmitMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.unsubscribe?.();
    this.publish({ instance: this.options.instanceId, counts: {}, gone: true });
  }

  /** Current total for a story (for tests and the page). */
  count(storyId: string): number {
    return this.tally.total(
      storyId,
      this.streams.existing(storyId)?.subscriberCount ?? 0,
      Date.now(),
    );
  }

  private announce(): void {
    this.publish({
      instance: this.options.instanceId,
      counts: Object.fromEntries(this.streams.localAudience()),
    });
  }

  private publish(announcement: AudienceAnnouncement): void {
    try {
      this.channel.publish(announcement);
    } catch {
      // Best effort: the next announcement replaces this one.
    }
  }

  private emitChanges(): void {
    const now = Date.now();
    this.tally.prune(now);
    const local = this.streams.localAudience();
    for (const storyId of this.lastSent.keys())
      if (!local.has(storyId)) this.lastSent.delete(storyId);
    for (const [storyId, here] of local) {
      const count = this.tally.total(storyId, here, now);
      if (this.lastSent.get(storyId) === count) continue;
      this.lastSent.set(storyId, count);
      this.hub.toRoom(audienceRoom(storyId), 'audience', { storyId, count });
    }
  }
}
