import { expectEventually } from '@livefeed/common/testing';
import type { StoryEvent } from '@livefeed/domain';
import { EventFeed, type EventFeedOptions } from './event.feed';
import { EventPublisher } from './story.publishers';
import { ensureStreams } from './story.streams';
import { entryPosted } from './testing/events';
import { openTestNats, type TestNats } from './testing/nats.fixture';

jest.setTimeout(30_000);

describe('EventFeed', () => {
  let t: TestNats;
  let publisher: EventPublisher;
  const feeds: EventFeed[] = [];
  const errors: Array<{ error: Error; context: string }> = [];

  /** A started feed and the versions of `story` it has received so far. */
  async function feed(
    options: EventFeedOptions = {},
  ): Promise<{ feed: EventFeed; versions: number[]; seqs: number[] }> {
    const f = new EventFeed(t.nc, t.subjects, {
      onError: (error, context) => errors.push({ error, context }),
      ...options,
    });
    feeds.push(f);
    const versions: number[] = [];
    const seqs: number[] = [];
    f.onEvent((event: StoryEvent, { seq }) => {
      versions.push(event.version);
      seqs.push(seq);
    });
    await f.start();
    return { feed: f, versions, seqs };
  }
  const publish = (from: number, to: number, storyId = 'story') =>
    publisher.publishEvents(
      Array.from({ length: to - from + 1 }, (_, i) => entryPosted(storyId, from + i)),
    );

  beforeEach(async () => {
    errors.length = 0;
    t = await openTestNats();
    await ensureStreams(t.nc, t.subjects);
    publisher = new EventPublisher(t.nc, t.subjects);
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
    await t.close();
  });

  it('receives events published after it started, in order, and none from before', async () => {
    await publish(1, 3);
    const { versions } = await feed();

    await publish(4, 200);

    await expectEventually(() =>
      expect(versions).toEqual(Array.from({ length: 197 }, (_, i) => i + 4)),
    );
  });

  it('starts from a given stream sequence', async () => {
    await publish(1, 10);
    const { versions, seqs } = await feed({ start: { seq: 8 } });

    await expectEventually(() => expect(versions).toEqual([8, 9, 10]));
    expect(seqs).toEqual([8, 9, 10]);
  });

  it('starts from a given time', async () => {
    await publish(1, 1);
    const first = await t.jsm.streams.getMessage(t.subjects.eventsStream, { seq: 1 });
    // Start times have millisecond precision: let the clock pass the first event's millisecond.
    await expectEventually(() => expect(Date.now()).toBeGreaterThan(first!.time.getTime() + 1));
    const between = new Date();
    await publish(2, 4);

    const { versions } = await feed({ start: { time: between } });

    await expectEventually(() => expect(versions).toEqual([2, 3, 4]));
  });

  it('keeps delivering after the events stream is deleted and created again, from the new stream’s start', async () => {
    const { versions } = await feed();
    await publish(1, 5);
    await expectEventually(() => expect(versions).toEqual([1, 2, 3, 4, 5]));

    await t.jsm.streams.delete(t.subjects.eventsStream);
    await ensureStreams(t.nc, t.subjects);
    // Published before the feed has found the new stream: its sequences 1–3 are below the old cursor.
    await publish(6, 8);
    await publish(9, 10);

    await expectEventually(() => expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(errors.map((e) => e.context)).toContain('recreated');
  });

  it('drops an unparseable message, reports it, and reads on', async () => {
    const { versions } = await feed();
    const js = t.jsm.jetstream();

    await js.publish(t.subjects.events('story'), 'not json');
    await js.publish(t.subjects.events('story'), '{"hello":"world"}');
    await publish(1, 1);

    await expectEventually(() => expect(versions).toEqual([1]));
    expect(errors.filter((e) => e.context === 'parse')).toHaveLength(2);
  });

  it('upgrades an event an older release published (no schema header) like the log does', async () => {
    const received: StoryEvent[] = [];
    const f = new EventFeed(t.nc, t.subjects, {
      onError: (error, context) => errors.push({ error, context }),
    });
    feeds.push(f);
    f.onEvent((event) => received.push(event));
    await f.start();
    const old = {
      ...entryPosted('story', 1),
      data: { entryId: 'e1', body: '<p>x</p>', kind: 'update', source: { name: 'Wire' } },
    };
    await t.jsm.jetstream().publish(t.subjects.events('story'), JSON.stringify(old));
    await publish(2, 2);

    await expectEventually(() => expect(received.map((e) => e.version)).toEqual([1, 2]));
    expect(received[0].data).toEqual({
      entryId: 'e1',
      body: '<p>x</p>',
      kind: 'update',
      sources: [{ name: 'Wire' }],
    });
    expect(errors).toEqual([]);
  });

  it('keeps other handlers going when one throws', async () => {
    const { feed: f, versions } = await feed();
    f.onEvent(() => {
      throw new Error('broken subscriber');
    });

    await publish(1, 2);

    await expectEventually(() => expect(versions).toEqual([1, 2]));
    expect(errors.filter((e) => e.context === 'handler')).toHaveLength(2);
  });

  it('resumes where it stopped, delivering what was published meanwhile', async () => {
    const { feed: f, versions } = await feed();
    await publish(1, 2);
    await expectEventually(() => expect(versions).toEqual([1, 2]));

    await f.stop();
    // Its ordered consumer is deleted, not left idling on the server.
    await expectEventually(async () =>
      expect(await t.jsm.consumers.list(t.subjects.eventsStream).next()).toEqual([]),
    );
    await publish(3, 4);
    await f.start();
    await publish(5, 5);

    await expectEventually(() => expect(versions).toEqual([1, 2, 3, 4, 5]));
  });

  it('waits for an events stream that does not exist yet', async () => {
    await t.jsm.streams.delete(t.subjects.eventsStream);
    const f = new EventFeed(t.nc, t.subjects, { start: 'all' });
    feeds.push(f);
    const versions: number[] = [];
    f.onEvent((e) => versions.push(e.version));
    const started = f.start();

    await ensureStreams(t.nc, t.subjects);
    await started;
    await publish(1, 2);

    await expectEventually(() => expect(versions).toEqual([1, 2]));
  });
});
