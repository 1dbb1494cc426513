import type { Msg } from '@nats-io/nats-core';
import { expectEventually } from '@livefeed/common/testing';
import type { Rejection } from '@livefeed/domain';
import { EventPublisher, ReportPublisher } from './story.publishers';
import { ensureStreams } from './story.streams';
import { entryPosted } from './testing/events';
import { openTestNats, type TestNats } from './testing/nats.fixture';

describe('publishers', () => {
  let t: TestNats;
  beforeAll(async () => {
    t = await openTestNats();
    await ensureStreams(t.nc, t.subjects);
  });
  afterAll(() => t.close());

  describe('ReportPublisher', () => {
    it('stores a report once when it is published twice with the same id', async () => {
      const reports = new ReportPublisher(t.nc, t.subjects);
      const bytes = new TextEncoder().encode('{"id":"rpt-1"}');

      const first = await reports.publishReport('story-a', bytes, 'rpt-dup-1');
      const second = await reports.publishReport('story-a', bytes, 'rpt-dup-1');

      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ seq: first.seq, duplicate: true });
      const stored = await t.jsm.streams.getMessage(t.subjects.reportsStream, { seq: first.seq });
      expect(stored?.subject).toBe(`${t.subjects.root}.reports.story-a`);
      expect(stored?.header.get('Nats-Msg-Id')).toBe('rpt-dup-1');
    });
  });

  describe('EventPublisher', () => {
    it('publishes an event as JSON on <root>.events.<storyId>, deduplicated by <storyId>:<version>', async () => {
      const events = new EventPublisher(t.nc, t.subjects);
      const before = (await t.jsm.streams.info(t.subjects.eventsStream)).state.last_seq;

      await events.publishEvent(entryPosted('story-dedup', 1));
      await events.publishEvent(entryPosted('story-dedup', 1));

      const { state } = await t.jsm.streams.info(t.subjects.eventsStream);
      expect(state.last_seq).toBe(before + 1);
      const stored = await t.jsm.streams.getMessage(t.subjects.eventsStream, {
        last_by_subj: `${t.subjects.root}.events.story-dedup`,
      });
      expect(stored?.header.get('Nats-Msg-Id')).toBe('story-dedup:1');
      expect(stored?.json()).toEqual(entryPosted('story-dedup', 1));
    });

    it('publishes many events pipelined, in order per story', async () => {
      const events = new EventPublisher(t.nc, t.subjects);
      const from = (await t.jsm.streams.info(t.subjects.eventsStream)).state.last_seq + 1;
      const batch = Array.from({ length: 500 }, (_, i) =>
        entryPosted(`story-many-${i % 5}`, Math.floor(i / 5) + 1),
      );

      await events.publishEvents(batch);

      const versions: number[] = [];
      for (let seq = from; seq < from + 500; seq++) {
        const stored = await t.jsm.streams.getMessage(t.subjects.eventsStream, { seq });
        if (stored?.subject.endsWith('.story-many-3'))
          versions.push(stored.json<{ version: number }>().version);
      }
      expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('fails when the events stream is missing', async () => {
      const other = t.subjects.events('x').replace(t.subjects.root, `${t.subjects.root}nostream`);
      const events = new EventPublisher(t.nc, { ...t.subjects, events: () => other });

      await expect(events.publishEvents([entryPosted('x', 1)])).rejects.toThrow();
    });

    it('announces a rejection on core NATS without empty field errors', async () => {
      const received: Msg[] = [];
      const sub = t.nc.subscribe(t.subjects.rejectionsAll, {
        callback: (_e, msg) => void received.push(msg),
      });
      await t.nc.flush();
      const events = new EventPublisher(t.nc, t.subjects);
      const unknownEntry: Rejection = {
        reportId: 'rpt-9',
        storyId: 'story-r',
        code: 'unknown-entry',
        message: 'entry e9 does not exist',
        fields: {},
      };
      const invalid: Rejection = {
        reportId: 'seq:17',
        storyId: '',
        code: 'invalid',
        message: 'malformed JSON',
        fields: { body: 'not JSON' },
      };

      events.publishRejection(unknownEntry);
      events.publishRejection(invalid);

      await expectEventually(() => expect(received).toHaveLength(2));
      sub.unsubscribe();
      expect(received[0].subject).toBe(`${t.subjects.root}.rejections.story-r`);
      expect(received[0].json()).toEqual({
        reportId: 'rpt-9',
        storyId: 'story-r',
        code: 'unknown-entry',
        message: 'entry e9 does not exist',
      });
      expect(received[1].subject).toBe(`${t.subjects.root}.rejections._`);
      expect(received[1].json()).toEqual({
        reportId: 'seq:17',
        storyId: '',
        code: 'invalid',
        message: 'malformed JSON',
        fields: { body: 'not JSON' },
      });
    });
  });
});
