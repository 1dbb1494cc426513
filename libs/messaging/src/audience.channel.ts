import type { NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import { asError } from './jetstream.errors';

/**
 * Core pub/sub on `<root>.audience`, where gateway instances tell each other their subscriber
 * counts. Best effort by design: a count missed is replaced by the next one.
 */
export class AudienceChannel {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly options: { readonly onError?: (error: Error) => void } = {},
  ) {}

  publish(payload: object): void {
    this.nc.publish(this.subjects.audience, JSON.stringify(payload));
  }

  /**
   * Calls `handler` with each payload published by any instance, this one included. Payloads are
   * `unknown`: they come from other processes, maybe of another version, so the caller checks them.
   * Returns a function that unsubscribes.
   */
  subscribe(handler: (payload: unknown) => void): () => void {
    const sub = this.nc.subscribe(this.subjects.audience, {
      callback: (error, msg) => {
        if (error) return this.options.onError?.(error);
        let payload: unknown;
        try {
          payload = msg.json<unknown>();
        } catch {
          return this.options.onError?.(
            new Error(`dropped an unparseable audience message: ${msg.string().slice(0, 200)}`),
          );
        }
        try {
          handler(payload);
        } catch (handlerError) {
          this.options.onError?.(asError(handlerError));
        }
      },
    });
    return () => sub.unsubscribe();
  }
}
