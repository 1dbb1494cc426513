import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { type Config, subjectsFor, type Subjects } from '@livefeed/common';
import { EventStore, createPool } from '@livefeed/event-store';
import { ensureStreams, type NatsConnection } from '@livefeed/messaging';
import { FailedError } from '../cli.errors';
import { CONFIG } from '../cli.tokens';

const CONNECT_TIMEOUT_MS = 5_000;
const DRAIN_TIMEOUT_MS = 5_000;
/** JetStream's API error code for "stream not found" (the server's errors.json). */
const STREAM_NOT_FOUND = 10059;

/** A URL fit for a message: without its password. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * PostgreSQL and NATS, each opened on first use: `export` never touches NATS, `tail` may run
 * without it. Unlike the apps, a command fails at once when a service does not answer (they wait
 * for it forever), with a message naming the service; once connected, NATS reconnects by itself.
 */
@Injectable()
export class Connections implements OnApplicationShutdown {
  readonly subjects: Subjects;
  private pg?: Pool;
  private opened?: Promise<EventStore>;
  private nc?: Promise<NatsConnection>;
  private streams?: Promise<void>;

  constructor(@Inject(CONFIG) private readonly config: Config) {
    this.subjects = subjectsFor(config.LIVEFEED_SUBJECT_ROOT);
  }

  /** The pool under the store (the rebuild library takes a pool). */
  async pool(): Promise<Pool> {
    await this.store();
    return this.pg!;
  }

  /** A read-only event store on DATABASE_URL, checked to be reachable and migrated. */
  store(): Promise<EventStore> {
    this.opened ??= (async () => {
      const url = this.config.DATABASE_URL;
      this.pg = createPool(url, {
        applicationName: 'livefeed-cli',
        poolSize: 4,
        onPoolError: () => undefined, // the next query fails and says why
      });
      let schema: string | null;
      try {
        const { rows } = await this.pg.query<{ t: string | null }>(
          "SELECT to_regclass('events')::text AS t",
        );
        schema = rows[0]?.t ?? null;
      } catch (error) {
        throw new FailedError(`cannot use PostgreSQL at ${redacted(url)}: ${reason(error)}`);
      }
      if (schema === null)
        throw new FailedError(
          `the database at ${redacted(url)} has no livefeed tables yet: start ingest once, it creates them`,
        );
      return new EventStore(this.pg);
    })();
    return this.opened;
  }

  nats(): Promise<NatsConnection> {
    this.nc ??= (async () => {
      const url = this.config.NATS_URL;
      try {
        // Annotated: under `moduleResolution: node10` the transport's own typings resolve to `any`.
        const nc: NatsConnection = await connect({
          servers: url,
          name: 'livefeed-cli',
          timeout: CONNECT_TIMEOUT_MS,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1_000,
        });
        return nc;
      } catch (error) {
        throw new FailedError(`cannot reach NATS at ${redacted(url)}: ${reason(error)}`);
      }
    })();
    return this.nc;
  }

  /**
   * NATS, with the reports stream there to publish to. A deployment whose apps never ran gets its
   * streams as the apps would make them; an existing one is left as its apps configured it (the
   * CLI's environment may not carry their tuning, such as LIVEFEED_EVENTS_MAX_AGE_DAYS).
   */
  natsWithStreams(): Promise<NatsConnection> {
    this.streams ??= (async () => {
      const nc = await this.nats();
      try {
        const jsm = await jetstreamManager(nc);
        const exists = await jsm.streams.info(this.subjects.reportsStream).then(
          () => true,
          (error: unknown) => {
            if (error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) return false;
            throw error;
          },
        );
        if (exists) return;
        await ensureStreams(nc, this.subjects, {
          eventsMaxAgeMs: this.config.LIVEFEED_EVENTS_MAX_AGE_DAYS * 86_400_000,
          replicas: this.config.LIVEFEED_STREAM_REPLICAS,
        });
      } catch (error) {
        throw new FailedError(`cannot set up the JetStream streams: ${reason(error)}`);
      }
    })();
    return this.streams.then(() => this.nats());
  }

  async onApplicationShutdown(): Promise<void> {
    const nc = await this.nc?.catch(() => undefined);
    if (nc && !nc.isClosed()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        nc.drain().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    await this.pg?.end().catch(() => undefined);
  }
}
