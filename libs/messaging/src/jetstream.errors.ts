import { JetStreamApiError } from '@nats-io/jetstream';

/** JetStream API error codes this library reacts to (server `errors.json`). */
export const JsErrorCode = {
  StreamNameInUse: 10058,
  StreamNotFound: 10059,
  ConsumerNotFound: 10014,
  ConsumerNameInUse: 10013,
  ConsumerAlreadyExists: 10148,
} as const;

export function hasJsErrorCode(error: unknown, ...codes: number[]): boolean {
  return error instanceof JetStreamApiError && codes.includes(error.code);
}

/** Anything thrown, as an `Error` (callbacks and logs want one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
