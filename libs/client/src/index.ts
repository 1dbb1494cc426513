export { createLivefeedClient } from './livefeed.client';
export { LivefeedError, type LivefeedErrorCode } from './livefeed.error';
export type {
  LivefeedClient,
  LivefeedClientOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  SubscriptionStatus,
} from './client.types';
export type {
  AckErrorCode,
  AudienceMessage,
  ClientToServerEvents,
  ReconnectMessage,
  RevokedMessage,
  RevokeReason,
  ServerToClientEvents,
  SnapshotMessage,
  SubscribeAck,
  SubscribeRequest,
  UnsubscribeAck,
  UnsubscribeRequest,
} from '@livefeed/protocol';
export type {
  Correction,
  Entry,
  Figure,
  FigureClaim,
  Source,
  StoryEvent,
  StoryState,
} from '@livefeed/domain';
