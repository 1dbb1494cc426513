import { decide } from '@livefeed/domain';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import {
  type Config,
  Failpoints,
  PinoNestLogger,
  answerClientErrors,
  applyServerLimits,
  createLogger,
  serverLimitsOf,
  subjectsFor,
} from '@livefeed/common';
import { EventStore, createPool, prepareDatabase } from '@livefeed/event-store';
import { connectNats, ensureStreams } from '@livefeed/messaging';
import { IngestModule } from './ingest.module';

export interface RunningIngest {
  readonly app: NestExpressApplication;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Opens PostgreSQL (creating the database and running migrations) and NATS (creating the
 * streams), then serves the write API and consumes reports. `close` stops taking work, finishes
 * the batch in flight, drains NATS and closes the pool, in that order.
 */
export async function startIngest(config: Config): Promise<RunningIngest> {
  const log = createLogger('ingest', config.LIVEFEED_LOG_LEVEL);
  await prepareDatabase(config.DATABASE_URL);
  const failpoints = Failpoints.parse(config.LIVEFEED_FAILPOINTS);
  const pool = createPool(config.DATABASE_URL, {
    applicationName: 'livefeed-ingest',
    onPoolError: (err) => log.warn({ err }, 'idle PostgreSQL connection failed'),
  });
  const store = new EventStore(pool, {
    decide,
    snapshotEvery: config.LIVEFEED_SNAPSHOT_EVERY,
    hooks: {
      afterDecide: () => failpoints.hit('after-decide'),
      afterAppend: () => failpoints.hit('after-append'),
    },
  });
  const nc = await connectNats({
    url: config.NATS_URL,
    name: 'livefeed-ingest',
    inboxPrefix: config.LIVEFEED_NATS_INBOX_PREFIX,
    onStatus: (status: unknown) => log.info({ status }, 'nats'),
  });
  await ensureStreams(nc, subjectsFor(config.LIVEFEED_SUBJECT_ROOT), {
    eventsMaxAgeMs: config.LIVEFEED_EVENTS_MAX_AGE_DAYS * 86_400_000,
    replicas: config.LIVEFEED_STREAM_REPLICAS,
  });

  const app = await NestFactory.create<NestExpressApplication>(
    IngestModule.forRoot({ config, log, nc, store, failpoints }),
    { bodyParser: false, logger: new PinoNestLogger(log) },
  );
  answerClientErrors(app.getHttpServer(), log);
  applyServerLimits(app.getHttpServer(), serverLimitsOf(config), log);
  await app.listen(config.INGEST_PORT, '0.0.0.0');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  log.info({ port }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await nc.drain().catch(() => undefined);
        await store.close().catch(() => undefined);
      })()),
  };
}
