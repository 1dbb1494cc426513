import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { type Config, subjectsFor } from '@livefeed/common';
import { AudienceChannel, EventFeed, type NatsConnection } from '@livefeed/messaging';
import { AUDIENCE_CHANNEL, AudienceService } from './audience/audience.service';
import { OriginPolicy } from './auth/origin.policy';
import { ReaderTokenService } from './auth/reader-token.service';
import { GATEWAY_CONFIG, GATEWAY_OPTIONS, type GatewayOptions } from './config/gateway.options';
import { NATS, SUBJECTS } from './gateway.tokens';
import { HealthController } from './health/health.controller';
import { GatewayErrorsFilter } from './http/gateway-errors.filter';
import { EVENT_FEED, LiveFeedRunner } from './infra/live-feed.runner';
import { EVENT_STORE, StoreReads, type EventStoreReads } from './infra/store-reads.repository';
import { LOGGER } from './logging/logger.token';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { MetricsController } from './metrics/metrics.controller';
import { AssetsController } from './pages/assets.controller';
import { ClosingNoteReader } from './pages/closing-note.reader';
import { PagesController } from './pages/pages.controller';
import { SlowConsumerMonitor } from './push/slow-consumer.monitor';
import { SocketHub } from './push/socket.hub';
import { StoryGateway } from './push/story.gateway';
import { SubscriptionService } from './push/subscription.service';
import { StoriesController } from './read-api/stories.controller';
import { StoryQueries } from './read-api/story-queries.service';
import { StoryStreamsService } from './stream/story-streams.service';

/** What the gateway opens before Nest starts and closes after Nest has stopped. */
export interface GatewayResources {
  readonly config: Config;
  readonly options: GatewayOptions;
  readonly log: Logger;
  readonly nc: NatsConnection;
  readonly store: EventStoreReads;
}

@Module({})
export class GatewayModule {
  static forRoot(r: GatewayResources): DynamicModule {
    const subjects = subjectsFor(r.config.LIVEFEED_SUBJECT_ROOT);
    const onError = (context: string) => (err: unknown) => r.log.warn({ err }, context);
    return {
      module: GatewayModule,
      imports: [TerminusModule],
      controllers: [
        StoriesController,
        PagesController,
        AssetsController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: r.config },
        { provide: GATEWAY_OPTIONS, useValue: r.options },
        { provide: LOGGER, useValue: r.log },
        { provide: NATS, useValue: r.nc },
        { provide: SUBJECTS, useValue: subjects },
        { provide: EVENT_STORE, useValue: r.store },
        { provide: GatewayMetrics, useValue: new GatewayMetrics() },
        {
          provide: EVENT_FEED,
          useValue: new EventFeed(r.nc, subjects, {
            start: 'new',
            maxMessages: r.options.feedMaxMessages,
            onError: (e, context) => onError(`event feed: ${context}`)(e),
          }),
        },
        {
          provide: AUDIENCE_CHANNEL,
          useValue: new AudienceChannel(r.nc, subjects, { onError: onError('audience channel') }),
        },
        StoreReads,
        SocketHub,
        OriginPolicy,
        ReaderTokenService,
        StoryStreamsService,
        SubscriptionService,
        StoryGateway,
        SlowConsumerMonitor,
        AudienceService,
        LiveFeedRunner,
        StoryQueries,
        ClosingNoteReader,
        { provide: APP_FILTER, useClass: GatewayErrorsFilter },
      ],
    };
  }
}
