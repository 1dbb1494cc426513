import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  type Config,
  PinoNestLogger,
  answerClientErrors,
  applyServerLimits,
  createLogger,
  listenShared,
  serverLimitsOf,
  subjectsFor,
} from '@livefeed/common';
import { EventStore, createPool, prepareDatabase } from '@livefeed/event-store';
import { connectNats, ensureStreams } from '@livefeed/messaging';
import { OriginPolicy } from './auth/origin.policy';
import { defaultGatewayOptions, type GatewayOptions } from './config/gateway.options';
import { GatewayModule } from './gateway.module';
import { SocketServerAdapter } from './push/socket-server.adapter';

export interface RunningGateway {
  readonly app: NestExpressApplication;
  readonly port: number;
  readonly options: GatewayOptions;
  close(): Promise<void>;
}

/**
 * Opens PostgreSQL (creating the database and running migrations when needed) and NATS (creating
 * the streams), then serves socket.io and the read API. `close` stops taking connections, tells the
 * connected clients to reconnect elsewhere, stops the feed, drains NATS and closes the pool.
 */
export async function startGateway(
  config: Config,
  overrides: Partial<GatewayOptions> = {},
): Promise<RunningGateway> {
  const options = defaultGatewayOptions({ ...heartbeatOf(config), ...overrides });
  const log = createLogger('gateway', config.LIVEFEED_LOG_LEVEL).child({
    instance: options.instanceId,
  });
  await prepareDatabase(config.DATABASE_URL);
  const store = new EventStore(
    createPool(config.DATABASE_URL, {
      applicationName: 'livefeed-gateway',
      onPoolError: (err) => log.warn({ err }, 'idle PostgreSQL connection failed'),
    }),
    // Reads of the past write the snapshots they find missing, with the same N as ingest.
    { snapshotEvery: config.LIVEFEED_SNAPSHOT_EVERY },
  );
  const nc = await connectNats({
    url: config.NATS_URL,
    name: `livefeed-gateway-${options.instanceId}`,
    inboxPrefix: config.LIVEFEED_NATS_INBOX_PREFIX,
    onStatus: (status: unknown) => log.info({ status }, 'nats'),
  });
  // The gateway reads events only: it leaves the reports stream to ingest (docs/security.md).
  await ensureStreams(nc, subjectsFor(config.LIVEFEED_SUBJECT_ROOT), {
    eventsMaxAgeMs: config.LIVEFEED_EVENTS_MAX_AGE_DAYS * 86_400_000,
    replicas: config.LIVEFEED_STREAM_REPLICAS,
    only: 'events',
  });

  const app = await NestFactory.create<NestExpressApplication>(
    GatewayModule.forRoot({ config, options, log, nc, store }),
    { logger: new PinoNestLogger(log) },
  );
  const policy = app.get(OriginPolicy);
  app.useWebSocketAdapter(new SocketServerAdapter(app, policy, options));
  app.enableCors({ origin: policy.allowsAll ? true : [...policy.origins], methods: ['GET'] });
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  await app.init();
  // Not `app.listen`: its typings take no backlog, and it opens one listening socket.
  const server = app.getHttpServer();
  answerClientErrors(server, log);
  applyServerLimits(server, serverLimitsOf(config), log);
  const { port, sockets } = await listenShared(server, {
    port: config.GATEWAY_PORT,
    host: '0.0.0.0',
    backlog: options.listenBacklog,
    sockets: config.LIVEFEED_GATEWAY_LISTENERS,
  });
  log.info({ port, sockets }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    options,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await nc.drain().catch(() => undefined);
        await store.close().catch(() => undefined);
      })()),
  };
}

/** The heartbeat the environment asks for; what it leaves unset keeps the default. */
function heartbeatOf(config: Config): Partial<GatewayOptions> {
  const { LIVEFEED_PING_INTERVAL_MS: interval, LIVEFEED_PING_TIMEOUT_MS: timeout } = config;
  return {
    ...(interval === undefined ? {} : { pingIntervalMs: interval }),
    ...(timeout === undefined ? {} : { pingTimeoutMs: timeout }),
  };
}
