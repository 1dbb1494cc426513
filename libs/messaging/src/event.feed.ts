import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type OrderedConsumerOptions,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import { upcastEventData, type StoryEvent } from '@livefeed/domain';
import { EVENT_SCHEMA_HEADER } from './story.publishers';
import { asError } from './jetstream.errors';
import { SessionLoop } from './session.loop';

/** Where a feed begins: only events published from now on, the whole stream, a stream sequence or a time. */
export type EventFeedStart = 'new' | 'all' | { readonly seq: number } | { readonly time: Date };

export interface EventFeedOptions {
  /** `new` by default: a gateway catches up from PostgreSQL and needs only what follows. */
  readonly start?: EventFeedStart;
  /** Unparseable messages, handler errors and recoveries, for logs. */
  readonly onError?: (error: Error, context: string) => void;
  /**
   * Messages the server may send ahead of the handlers (nats.js' `max_messages`, 100 by default).
   * More lets a reader that fell behind take the backlog in larger bursts.
   */
  readonly maxMessages?: number;
}

/** Where an event sits in the stream, for resuming elsewhere. */
export interface EventFeedPosition {
  readonly seq: number;
  readonly subject: string;
}

export type EventHandler = (event: StoryEvent, position: EventFeedPosition) => void;

/**
 * How often the server must show the consumer is alive while there is nothing to deliver. A
 * consumer silent for 2 of these (checked as often) is taken for dead: a stall lasts 4–6 s, and a
 * false alarm costs one new consumer at the cursor, nothing lost or repeated.
 */
const IDLE_HEARTBEAT_MS = 2_000;

/**
 * Reads `<root>.events.>` with an ordered consumer: every event once, in stream order, no acks.
 *
 * nats.js recreates an ordered consumer by itself after a gap or when it went missing, at the
 * sequence after the last one seen. That is right for a NATS restart, and wrong when the stream
 * was deleted and recreated: the new stream counts from 1 again, so resuming "after 5,000" would
 * skip its first 5,000 events. So the feed aborts on a missing stream or consumer and restarts
 * itself, comparing the stream's creation time to tell a restart from a new stream.
 *
 * On a cluster the ordered consumer is an R1 in-memory consumer on one node, any of the stream's
 * (the server picks), not necessarily the node the connection is on. When that node dies, the
 * consumer dies with it, silently: the connection stays up, nothing is delivered and nothing is
 * reported. Only its idle heartbeats stop, and nats.js notices that after 2 of them were missed
 * (15 s apart by default: 30–45 s of a deaf gateway, more when its recovery's first consumer info
 * fails during the election). So the feed asks for a heartbeat every {@link IDLE_HEARTBEAT_MS} and,
 * when two are missed, ends the session itself: the next one makes a new consumer at the cursor.
 */
export class EventFeed {
  private readonly js: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly handlers = new Set<EventHandler>();
  private readonly decoder = new TextDecoder();
  private messages?: ConsumerMessages;
  private readonly sessions: SessionLoop;
  /** Creation time of the stream the cursor belongs to. */
  private streamCreated?: string;
  /** The next stream sequence to deliver; unknown until the first event when starting by time. */
  private nextSeq?: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly options: EventFeedOptions = {},
  ) {
    this.js = jetstream(nc);
    // The ordered consumer is held in server memory: a restarted server has lost it.
    this.sessions = new SessionLoop(
      nc,
      (ready) => this.session(ready),
      () => this.messages?.close(),
      (error) => this.report(error, 'consume'),
    );
  }

  /** Adds a handler; returns a function that removes it. Handlers run synchronously, in order. */
  onEvent(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => void this.handlers.delete(handler);
  }

  /**
   * Starts reading; resolves once the consumer exists. Until then it retries (the events stream
   * may not exist yet), reporting each failure to `onError`. After `stop()`, `start()` resumes
   * where the feed stopped.
   */
  start(): Promise<void> {
    return this.sessions.start();
  }

  stop(): Promise<void> {
    return this.sessions.stop();
  }

  /** One ordered consumer, from the cursor, until it ends. */
  private async session(ready: () => void): Promise<void> {
    const jsm = await this.manager();
    const stream = await jsm.streams.info(this.subjects.eventsStream);
    const consumer = await this.js.consumers.get(this.subjects.eventsStream, this.position(stream));
    try {
      const messages = await consumer.consume({
        callback: (msg) => this.deliver(msg),
        abort_on_missing_resource: true,
        idle_heartbeat: IDLE_HEARTBEAT_MS,
        ...(this.options.maxMessages ? { max_messages: this.options.maxMessages } : {}),
      });
      this.messages = messages;
      const silence = this.closeWhenSilent(messages);
      if (this.sessions.stopping) {
        await messages.close();
        return;
      }
      ready();
      // `closed()` resolves with the error that ended the consumer, if any.
      const ended = await messages.closed();
      if (this.sessions.stopping) return;
      if (ended) throw ended;
      if (silence.missed > 0)
        throw new Error(
          `the ordered consumer missed ${silence.missed} heartbeats (its node died?): ` +
            `making a new one at stream sequence ${this.nextSeq ?? 'start'}`,
        );
    } finally {
      // Else each restart leaves an idle consumer on the server for its 5-minute inactivity threshold.
      void consumer.delete().catch(() => undefined);
    }
  }

  /**
   * Closes `messages` at the first "heartbeats missed" (nats.js would only check whether the dead
   * consumer exists, and wait): returns how many were missed, 0 while none were.
   */
  private closeWhenSilent(messages: ConsumerMessages): { missed: number } {
    const silence = { missed: 0 };
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type !== 'heartbeats_missed') continue;
        silence.missed = status.count;
        await messages.close();
        return;
      }
    })().catch((error: unknown) => this.report(error, 'consume'));
    return silence;
  }

  /** Where the next ordered consumer starts, given the stream as it is now. */
  private position(stream: StreamInfo): Partial<OrderedConsumerOptions> {
    const recreated = this.streamCreated !== undefined && this.streamCreated !== stream.created;
    if (this.streamCreated === undefined) this.nextSeq = this.initialSeq(stream);
    if (recreated) {
      this.report(
        new Error(`stream ${stream.config.name} was recreated: reading it from the start`),
        'recreated',
      );
      this.nextSeq = 1;
    }
    this.streamCreated = stream.created;
    if (this.nextSeq !== undefined) return { opt_start_seq: this.nextSeq };
    const start = this.options.start;
    if (typeof start === 'object' && 'time' in start)
      return { opt_start_time: start.time.toISOString() };
    return { deliver_policy: DeliverPolicy.All };
  }

  /**
   * "New" is pinned to a sequence at once: an ordered consumer that has delivered nothing yet and
   * started by policy would, when nats.js recreates it, restart from sequence 1 and replay days.
   */
  private initialSeq(stream: StreamInfo): number | undefined {
    const start = this.options.start ?? 'new';
    if (start === 'new') return stream.state.last_seq + 1;
    if (start === 'all') return 1;
    if ('seq' in start) return start.seq;
    return undefined;
  }

  private deliver(msg: JsMsg): void {
    this.nextSeq = msg.seq + 1;
    const event = this.parse(msg);
    if (!event) return;
    const position = { seq: msg.seq, subject: msg.subject };
    for (const handler of this.handlers) {
      try {
        handler(event, position);
      } catch (error) {
        // One broken subscriber must not stop the feed for the others (nor kill the consumer).
        this.report(error, 'handler');
      }
    }
  }

  private parse(msg: JsMsg): StoryEvent | undefined {
    try {
      const value: unknown = JSON.parse(this.decoder.decode(msg.data));
      if (isEventEnvelope(value)) {
        // Events still in the stream from an older release are upgraded like those of the log.
        const schema = Number(msg.headers?.get(EVENT_SCHEMA_HEADER) || 1);
        const data = upcastEventData(value.type, schema, value.data as Record<string, unknown>);
        return data === value.data ? value : ({ ...value, data } as StoryEvent);
      }
    } catch {
      // Reported below with the sequence, which is what an operator can look up.
    }
    this.report(
      new Error(`dropped an unparseable event at ${msg.subject} seq ${msg.seq}`),
      'parse',
    );
    return undefined;
  }

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.nc);
    return this.jsm;
  }

  private report(error: unknown, context: string): void {
    this.options.onError?.(asError(error), context);
  }
}

/**
 * A shape check, not a validation: events were validated by the domain before they were committed;
 * this only keeps garbage published on the subject by someone else away from the handlers.
 */
function isEventEnvelope(value: unknown): value is StoryEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.storyId === 'string' &&
    typeof v.type === 'string' &&
    Number.isInteger(v.version) &&
    typeof v.data === 'object' &&
    v.data !== null
  );
}
