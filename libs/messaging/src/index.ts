export * from './nats.connection';
export * from './streams';
export type { InboundReport } from './inbound-report';
export * from './report-consumer';
export * from './publishers';
export * from './event-feed';
export * from './audience.channel';
export { backoffDelay, type BackoffPolicy } from './backoff';
export * from './jetstream.pipeline';
