import {
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import { hasJsErrorCode, JsErrorCode } from './jetstream.errors';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The part of a stream's configuration this library decides; the server fills the rest. */
export type StreamSettings = Partial<StreamConfig> & { readonly name: string };

export interface StreamOptions {
  /** How long the events stream keeps events (docs/protocol.md, "Events out": 7 days by default). */
  readonly eventsMaxAgeMs?: number;
  /** Window in which JetStream drops a re-publish with the same `Nats-Msg-Id` (2 minutes by default). */
  readonly duplicateWindowMs?: number;
  /** Stream replicas: 1 on a single server, 3 on a production cluster. */
  readonly replicas?: number;
}

/** The stream configurations `ensureStreams` applies, exposed so tests and operators can compare. */
export function streamConfigs(
  subjects: Subjects,
  options: StreamOptions = {},
): { reports: StreamSettings; events: StreamSettings } {
  const { eventsMaxAgeMs = 7 * DAY_MS, duplicateWindowMs = 2 * 60_000, replicas = 1 } = options;
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: replicas,
  };
  return {
    // Reports are kept by limits alone: the durable consumer's position, not age, decides what is
    // still to do, and a long ingest outage must never expire reports that were not processed.
    reports: {
      ...common,
      name: subjects.reportsStream,
      subjects: [subjects.reportsAll],
      duplicate_window: nanos(duplicateWindowMs),
    },
    events: {
      ...common,
      name: subjects.eventsStream,
      subjects: [subjects.eventsAll],
      max_age: nanos(eventsMaxAgeMs),
      // The server refuses a duplicate window longer than the stream's max age.
      duplicate_window: nanos(Math.min(duplicateWindowMs, eventsMaxAgeMs)),
    },
  };
}

/**
 * Creates `<ROOT>_REPORTS` and `<ROOT>_EVENTS`, or brings their settings up to date. Safe to call
 * from every process at start, also at the same moment: creating an identical stream succeeds,
 * and "name already in use" (another process won, or older settings) turns into an update.
 * `only: 'events'` leaves the reports stream alone: for a process (the gateway) whose NATS user
 * may not touch it (docs/security.md).
 */
export async function ensureStreams(
  nc: NatsConnection,
  subjects: Subjects,
  options: StreamOptions & { readonly only?: 'events' } = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const { reports, events } = streamConfigs(subjects, options);
  const wanted = options.only === 'events' ? [events] : [reports, events];
  await Promise.all(wanted.map((config) => ensureStream(jsm, config)));
}

async function ensureStream(jsm: JetStreamManager, config: StreamSettings): Promise<void> {
  try {
    await jsm.streams.add(config);
    return;
  } catch (error) {
    if (!hasJsErrorCode(error, JsErrorCode.StreamNameInUse)) throw error;
  }
  const { subjects, max_age, duplicate_window, num_replicas } = config;
  // A storage type that differs cannot be updated; the server's error says so and is rethrown.
  await jsm.streams.update(config.name, { subjects, max_age, duplicate_window, num_replicas });
}
