export * from './config';
export * from './failpoints';
export * from './logger';
export * from './health';
export * from './http';
