export * from './config';
export * from './errors';
export * from './failpoints';
export * from './logger';
export * from './health';
export * from './http';
