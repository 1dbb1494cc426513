export * from './config';
export * from './failpoints';
