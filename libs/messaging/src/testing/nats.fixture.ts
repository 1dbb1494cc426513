import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjectsFor, type Subjects } from '@livefeed/common';
import { TEST_NATS_URL, uniqueSubjectRoot } from '@livefeed/common/testing';
import { connectNats } from '../nats.connection';

/** A connection and a subject root of its own for one test file; `close()` deletes its streams. */
export interface TestNats {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly subjects: Subjects;
  /** Another connection, as a second process would have. Closed by `close()`. */
  connect(name: string): Promise<NatsConnection>;
  close(): Promise<void>;
}

export async function openTestNats(url = TEST_NATS_URL): Promise<TestNats> {
  const subjects = subjectsFor(uniqueSubjectRoot());
  const extra: NatsConnection[] = [];
  const nc = await connectNats({ url, name: `messaging-test-${subjects.root}` });
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    jsm,
    subjects,
    async connect(name) {
      const other = await connectNats({ url, name: `${name}-${subjects.root}` });
      extra.push(other);
      return other;
    },
    async close() {
      for (const stream of [subjects.reportsStream, subjects.eventsStream]) {
        await jsm.streams.delete(stream).catch(() => undefined);
      }
      await Promise.all([...extra, nc].map((c) => c.close()));
    },
  };
}
