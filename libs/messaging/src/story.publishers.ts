import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import { CURRENT_EVENT_SCHEMA, type Rejection, type StoryEvent } from '@livefeed/domain';
import { PipelinedPublisher } from './pipelined.publisher';

/**
 * A subject token for a story id taken from untrusted input: a rejection may concern a report
 * whose story id is empty or garbage, and a '.', '*', '>' or blank in it would change the subject.
 */
function subjectToken(storyId: string): string {
  return /^[^\s.*>]+$/.test(storyId) ? storyId : '_';
}

/**
 * The schema version of an event's data on the events stream (docs/architecture.md, "Event schema
 * versions"). A message without it was published by a release from before schema versions: version 1.
 */
export const EVENT_SCHEMA_HEADER = 'Livefeed-Event-Schema';

/** Publishes what ingest decided: events to JetStream, rejections to core NATS (docs/protocol.md, "Reports in" and "Events out"). */
export class EventPublisher {
  private readonly pipeline: PipelinedPublisher;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {
    this.pipeline = new PipelinedPublisher(nc);
  }

  /**
   * Publishes a committed event on `<root>.events.<storyId>` and waits for JetStream's ack. The
   * message id `<storyId>:<version>` makes a re-publish after a crash a no-op within the stream's
   * duplicate window; readers drop versions they hold for anything older.
   */
  async publishEvent(event: StoryEvent): Promise<void> {
    await this.send(event);
  }

  /**
   * Publishes many events pipelined: every publish is on the wire before the first ack is awaited,
   * so a batch costs one round trip, not one per event. Resolves when all are acked; if any failed,
   * rejects (after all settled) with the first failure.
   */
  async publishEvents(events: readonly StoryEvent[]): Promise<void> {
    const results = await Promise.allSettled(events.map((event) => this.send(event)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Announces a rejection on core NATS `<root>.rejections.<storyId>` (`_` when the story id is
   * empty or unusable as a subject token). Fire and forget: the outcome of record is in PostgreSQL.
   */
  publishRejection(rejection: Rejection): void {
    const { fields, ...rest } = rejection;
    const body = fields && Object.keys(fields).length > 0 ? { ...rest, fields } : rest;
    this.nc.publish(
      this.subjects.rejections(subjectToken(rejection.storyId)),
      JSON.stringify(body),
    );
  }

  private send(event: StoryEvent) {
    return this.pipeline.publish(
      this.subjects.events(event.storyId),
      JSON.stringify(event),
      `${event.storyId}:${event.version}`,
      { [EVENT_SCHEMA_HEADER]: String(CURRENT_EVENT_SCHEMA) },
    );
  }
}

/** What JetStream answered to a report publish. */
export interface ReportPublishAck {
  readonly seq: number;
  /** True when a report with the same id was stored within the duplicate window. */
  readonly duplicate: boolean;
}

/** Files reports into the reports stream (the HTTP write API, the CLI). */
export class ReportPublisher {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {
    this.js = jetstream(nc);
  }

  /** Publishes on `<root>.reports.<storyId>` with `Nats-Msg-Id: <reportId>` and waits for the ack. */
  async publishReport(
    storyId: string,
    bytes: Uint8Array,
    reportId: string,
  ): Promise<ReportPublishAck> {
    const ack = await this.js.publish(this.subjects.reports(storyId), bytes, { msgID: reportId });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }
}
