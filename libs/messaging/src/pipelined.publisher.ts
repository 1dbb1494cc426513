import { createInbox, headers, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { inboxPrefixOf } from './nats.connection';

const ACK_TIMEOUT_MS = 10_000;
const SWEEP_MS = 1_000;

interface Waiting {
  readonly resolve: (ack: PipelinedAck) => void;
  readonly reject: (error: Error) => void;
  readonly sentAt: number;
}

export interface PipelinedAck {
  readonly seq: number;
  readonly duplicate: boolean;
}

/**
 * JetStream publishes with their acks collected on one shared inbox. nats.js's `js.publish` makes
 * a request per message and builds two Error objects (stack traces included) for each, which was
 * the largest single cost of the ingest process at 10k events/s; here a publish is one write and
 * a map entry, and timeouts are swept once a second instead of a timer per message.
 */
export class PipelinedPublisher {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    // The connection's own prefix: a NATS user may subscribe only to its own inbox (docs/security.md).
    this.prefix = createInbox(inboxPrefixOf(nc));
    this.subscription = nc.subscribe(`${this.prefix}.*`, {
      callback: (_err, msg) => {
        const waiter = this.waiting.get(msg.subject);
        if (!waiter) return;
        this.waiting.delete(msg.subject);
        try {
          const ack = msg.json<{
            seq?: number;
            duplicate?: boolean;
            error?: { description?: string };
          }>();
          if (ack.error || typeof ack.seq !== 'number') {
            waiter.reject(
              new Error(`JetStream refused the publish: ${ack.error?.description ?? 'no ack'}`),
            );
          } else {
            waiter.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
          }
        } catch (error) {
          waiter.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
    });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Publishes with `Nats-Msg-Id` (and any other headers given) and resolves with JetStream's ack. */
  publish(
    subject: string,
    data: Uint8Array | string,
    msgId: string,
    more: Readonly<Record<string, string>> = {},
  ): Promise<PipelinedAck> {
    const reply = `${this.prefix}.${(this.next++).toString(36)}`;
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    for (const [name, value] of Object.entries(more)) h.set(name, value);
    return new Promise<PipelinedAck>((resolve, reject) => {
      this.waiting.set(reply, { resolve, reject, sentAt: Date.now() });
      try {
        this.nc.publish(subject, data, { reply, headers: h });
      } catch (error) {
        this.waiting.delete(reply);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const w of this.waiting.values()) w.reject(new Error('publisher closed'));
    this.waiting.clear();
  }

  private sweep(): void {
    const limit = Date.now() - ACK_TIMEOUT_MS;
    for (const [reply, w] of this.waiting) {
      if (w.sentAt > limit) break; // insertion order is send order
      this.waiting.delete(reply);
      w.reject(new Error(`no JetStream ack within ${ACK_TIMEOUT_MS} ms`));
    }
  }
}
