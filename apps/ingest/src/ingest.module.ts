import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { type Config, Failpoints, subjectsFor } from '@livefeed/common';
import { EventStore } from '@livefeed/event-store';
import { parseReportBytes } from '@livefeed/domain';
import { EventPublisher, FiledReports, ReportConsumer, ReportPublisher } from '@livefeed/messaging';
import { ConsoleController } from './console/console.controller';
import { CONFIG, LOGGER, NATS, SUBJECTS } from './ingest.tokens';
import { IngestMetrics } from './observability/ingest.metrics';
import { IngestErrorsFilter } from './http/ingest-errors.filter';
import { HealthController } from './observability/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { ReportsController } from './reports/reports.controller';
import { ReportIntake } from './reports/report.intake';
import { OutcomeWaiter } from './reports/outcome.waiter';
import { ReportPipeline } from './reports/report.pipeline';
import { ConsumerRunner } from './reports/consumer.runner';
import { PublisherAuthGuard } from './reports/publisher-auth.guard';
import { FilingOrder } from './reports/filing-order.gate';
import { SnapshotWriter } from './snapshots/snapshot.writer';

/** What main.ts opens before Nest starts and closes after Nest has stopped. */
export interface IngestResources {
  readonly config: Config;
  readonly log: Logger;
  readonly nc: NatsConnection;
  readonly store: EventStore;
  readonly failpoints: Failpoints;
}

@Module({})
export class IngestModule {
  static forRoot(r: IngestResources): DynamicModule {
    const subjects = subjectsFor(r.config.LIVEFEED_SUBJECT_ROOT);
    const eventPublisher = new EventPublisher(r.nc, subjects);
    // Closures over `consumer` and `pipeline`, which need each other: called only once both exist.
    const metrics = new IngestMetrics((): Promise<number> => consumer.pending());
    const filing = new FilingOrder(
      new FiledReports(r.nc, subjects),
      (filed, storyId) =>
        parseReportBytes(filed.data, { subjectStoryId: storyId, fallbackId: `seq:${filed.seq}` })
          .ok,
      (err: unknown) => r.log.warn({ err }, 'looking at the reports stream failed; reports wait'),
    );
    const consumer = new ReportConsumer(r.nc, subjects, {
      durable: 'ingest',
      batchSize: r.config.LIVEFEED_INGEST_BATCH,
      // No waiting for a fuller batch: reports that arrive while the lanes are busy gather in the
      // pipeline and go together into the next transaction anyway.
      maxWaitMs: 0,
      // Room for what is queued, committing and awaiting its publish acks on every lane at once;
      // the default (10 batches) made the server pause deliveries under a backlog.
      maxAckPending: Math.max(20_000, r.config.LIVEFEED_INGEST_BATCH * 10),
      ackWaitMs: r.config.LIVEFEED_ACK_WAIT_MS,
      handler: (messages): Promise<void> => pipeline.handle(messages),
      settlesLater: true,
      onError: (err: unknown) => r.log.warn({ err }, 'report consumer'),
    });
    const snapshots = new SnapshotWriter(
      r.store,
      r.config.LIVEFEED_SNAPSHOT_EVERY,
      r.log,
      (count) => metrics.snapshotsWritten.inc(count),
    );
    const pipeline = new ReportPipeline(
      r.store,
      eventPublisher,
      metrics,
      r.failpoints,
      r.log,
      filing,
      {
        lanes: r.config.LIVEFEED_INGEST_LANES,
        batchSize: r.config.LIVEFEED_INGEST_BATCH,
        lingerMs: r.config.LIVEFEED_INGEST_LINGER_MS,
        maxRetryDelayMs: consumer.retryCapMs,
        committed: (events) => snapshots.committed(events),
      },
    );
    return {
      module: IngestModule,
      imports: [TerminusModule],
      controllers: [ReportsController, ConsoleController, HealthController, MetricsController],
      providers: [
        { provide: CONFIG, useValue: r.config },
        { provide: LOGGER, useValue: r.log },
        { provide: NATS, useValue: r.nc },
        { provide: SUBJECTS, useValue: subjects },
        { provide: EventStore, useValue: r.store },
        { provide: IngestMetrics, useValue: metrics },
        { provide: ReportConsumer, useValue: consumer },
        { provide: ReportPipeline, useValue: pipeline },
        { provide: SnapshotWriter, useValue: snapshots },
        { provide: ReportPublisher, useValue: new ReportPublisher(r.nc, subjects) },
        { provide: OutcomeWaiter, useValue: new OutcomeWaiter(r.nc, subjects, r.store) },
        ReportIntake,
        ConsumerRunner,
        PublisherAuthGuard,
        { provide: APP_FILTER, useClass: IngestErrorsFilter },
      ],
    };
  }
}
