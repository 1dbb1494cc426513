import { DataSource, type DataSourceOptions } from 'typeorm';
import { EVENT_STORE_MIGRATIONS } from './migrations';
import type { PoolTuning } from './postgres/pool';

export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

export type DataSourceTuning = PoolTuning;

/**
 * The TypeORM side of the event store: the hand-written migrations, run by `prepareDatabase` and the
 * TypeORM CLI (typeorm.config.ts), and tests' ad-hoc SQL. There are no entities: the store reads and
 * writes with its own SQL (`createPool`), its rows described once in `rows.ts`, the schema once in the
 * migrations. `synchronize` is off.
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
    entities: [],
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
