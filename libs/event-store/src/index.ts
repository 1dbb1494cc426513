export * from './event-store';
export * from './event-store.types';
export * from './data-source';
export * from './database.bootstrap';
export { createPool, type PoolTuning } from './postgres/pool';
export * from './migrations';
export {
  classifyDatabaseError,
  isRetryableDatabaseError,
  sqlState,
  type DatabaseErrorKind,
} from './postgres/errors';
export { rebuildProjections } from './rebuild/projections.rebuild';
export type {
  RebuildDifference,
  RebuildOptions,
  RebuildProgress,
  RebuildResult,
} from './rebuild/rebuild.types';
// typeorm.config.ts is left out on purpose: it reads the environment when imported (TypeORM CLI only).
