import { DataSource, type DataSourceOptions } from 'typeorm';
import { EVENT_STORE_ENTITIES } from './entities';
import { EVENT_STORE_MIGRATIONS } from './migrations';

export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

export interface DataSourceTuning {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell the apps apart. */
  readonly applicationName?: string;
  /**
   * Told about errors of idle pooled connections (a PostgreSQL restart, a dropped network). The pool
   * already discards the broken client; without a listener pg's EventEmitter would crash the process.
   */
  readonly onPoolError?: (error: Error) => void;
}

/**
 * The one definition of the event store's connection, shared by the apps (TypeOrmModule.forRoot),
 * the TypeORM CLI (typeorm.config.ts) and the tests. The schema belongs to the hand-written migrations:
 * `synchronize` is off and migrations run only through `prepareDatabase`.
 */
export function dataSourceOptions(url: string, tuning: DataSourceTuning = {}): PostgresOptions {
  const onPoolError =
    tuning.onPoolError ??
    ((error: Error) =>
      console.warn(`event-store: idle PostgreSQL connection failed: ${error.message}`));
  return {
    type: 'postgres',
    url,
    applicationName: tuning.applicationName ?? 'livefeed',
    entities: [...EVENT_STORE_ENTITIES],
    migrations: [...EVENT_STORE_MIGRATIONS],
    migrationsTableName: 'typeorm_migrations',
    // Each migration commits on its own, so a failure leaves the earlier ones applied and recorded.
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    poolSize: tuning.poolSize ?? 10,
    // A pool that cannot reach the server fails fast instead of queueing callers forever.
    connectTimeoutMS: 5_000,
    poolErrorHandler: onPoolError,
    // Instants print as `2026-11-24 08:15:00.412+00`, which the store turns into ISO strings cheaply.
    extra: { options: '-c TimeZone=UTC' },
  };
}

/** A DataSource for `url`, not yet initialised. */
export function createDataSource(url: string, tuning: DataSourceTuning = {}): DataSource {
  return new DataSource(dataSourceOptions(url, tuning));
}
