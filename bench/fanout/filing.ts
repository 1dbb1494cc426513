/**
 * Livefeed's side of bench/fanout on NATS: filing reports (setup and timed windows), timing them to
 * their events on `<root>.events.*`, and the ingest consumer's state at the end.
 */
import { jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import type { PipelinedPublisher } from '@livefeed/messaging';
import { summarise } from '../lib/stats';
import { sleep } from './harness/util';
import { BODY } from './params';
import { stampId, stampOf, wallClock } from './protocol';

const enc = new TextEncoder();

export interface Published {
  sent: number;
  startedAt: number;
  endedAt: number;
  /** Deliveries owed: for each update, the subscribers of its story. */
  expectedDeliveries: number;
}

/** `entry.posted` reports at a fixed rate, round-robin over the stories, ids stamped with the time. */
export async function publishReports(
  js: PipelinedPublisher,
  subjects: Subjects,
  stories: readonly string[],
  ratePerStory: number,
  seconds: number,
  marker: string,
  subscribersOf: (storyId: string) => number,
): Promise<Published> {
  const perSecond = ratePerStory * stories.length;
  const total = Math.round(perSecond * seconds);
  const inflight = new Set<Promise<unknown>>();
  const startedAt = wallClock();
  let expectedDeliveries = 0;
  for (let i = 0; i < total; i++) {
    const wait = startedAt + (i * 1000) / perSecond - wallClock();
    if (wait > 1) await sleep(wait);
    const storyId = stories[i % stories.length];
    const id = stampId(marker, i);
    const report = {
      id,
      storyId,
      type: 'entry.posted',
      author: 'desk:bench',
      data: { entryId: `${marker}-${i}`, body: BODY },
    };
    const p = js.publish(subjects.reports(storyId), enc.encode(JSON.stringify(report)), id);
    expectedDeliveries += subscribersOf(storyId);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 2000) await Promise.race(inflight);
  }
  const endedAt = wallClock();
  await Promise.all(inflight);
  return { sent: total, startedAt, endedAt, expectedDeliveries };
}

/** Files reports and waits until each became an event (fails on a rejection). Returns the events. */
export async function fileAndWait(
  nc: NatsConnection,
  js: JetStreamClient,
  subjects: Subjects,
  reports: { id: string; storyId: string }[],
) {
  const pending = new Set(reports.map((r) => r.id));
  const events: Record<string, unknown>[] = [];
  let rejection: string | undefined;
  const subEvents = nc.subscribe(subjects.eventsAll, {
    callback: (_e: Error | null, msg: Msg) => {
      const event = msg.json<Record<string, unknown>>();
      if (pending.delete(String(event.reportId))) events.push(event);
    },
  });
  const subRejections = nc.subscribe(subjects.rejectionsAll, {
    callback: (_e: Error | null, msg: Msg) => {
      rejection ??= msg.string();
    },
  });
  try {
    const inflight: Promise<unknown>[] = [];
    for (const r of reports) {
      const bytes = enc.encode(JSON.stringify(r));
      inflight.push(js.publish(subjects.reports(r.storyId), bytes, { msgID: r.id }));
      if (inflight.length >= 500) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    const deadline = Date.now() + 60_000;
    while (pending.size > 0 && !rejection && Date.now() < deadline) await sleep(20);
    if (rejection) throw new Error(`a setup report was rejected: ${rejection}`);
    if (pending.size > 0) throw new Error(`${pending.size} setup reports did not become events`);
    return events;
  } finally {
    subEvents.unsubscribe();
    subRejections.unsubscribe();
  }
}

/**
 * Times each report of a window from publish to the first appearance of its event on
 * `<root>.events.<story>` (committed and published by ingest, as the gateway's feed gets it).
 * Later copies of an event (ingest re-publishes the events of redelivered reports; the stream
 * drops them by message id) are counted, not timed.
 */
export function tapEvents(nc: NatsConnection, subjects: Subjects) {
  return (marker: string) => {
    const samples: number[] = [];
    const seen = new Set<string>();
    let republished = 0;
    const sub = nc.subscribe(subjects.eventsAll, {
      callback: (_e: Error | null, msg: Msg) => {
        const now = wallClock();
        const { reportId } = msg.json<{ reportId?: string }>();
        if (typeof reportId !== 'string' || !reportId.startsWith(`${marker}:`)) return;
        if (seen.has(reportId)) {
          republished += 1;
          return;
        }
        seen.add(reportId);
        samples.push(now - stampOf(reportId));
      },
    });
    return () => {
      sub.unsubscribe();
      return { ...summarise(samples), republished };
    };
  };
}
export type Tap = ReturnType<typeof tapEvents>;

export interface IngestHealth {
  reports: number;
  deliveries: number;
  redelivered: number;
  ackPending: number;
  pending: number;
}

/** How often ingest's consumer was handed each report (1 when every report was acked at once). */
export async function ingestHealth(nc: NatsConnection, subjects: Subjects): Promise<IngestHealth> {
  const jsm = await jetstreamManager(nc);
  const stream = await jsm.streams.info(subjects.reportsStream);
  const [consumer] = await jsm.consumers.list(subjects.reportsStream).next();
  return {
    reports: stream.state.messages,
    deliveries: consumer?.delivered.consumer_seq ?? 0,
    redelivered: consumer?.num_redelivered ?? 0,
    ackPending: consumer?.num_ack_pending ?? 0,
    pending: consumer?.num_pending ?? 0,
  };
}
