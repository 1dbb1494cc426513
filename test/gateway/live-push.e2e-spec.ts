import { expectEventually, GatewayHarness, r } from './gateway.harness';

jest.setTimeout(60_000);

describe('live push over socket.io', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway();
  });

  afterAll(async () => {
    await h.close();
  });

  it('gives a fresh reader a snapshot, then each new event once, in order', async () => {
    await h.story('fresh-start', 3);
    const reader = await h.reader();
    const ack = await reader.subscribe('fresh-start');
    expect(ack).toEqual({ ok: true, storyId: 'fresh-start', version: 4 });
    await h.commit(h.posts('fresh-start', 3, 2));
    await expectEventually(() => expect(reader.holds('fresh-start')).toBe(6));
    const [snapshot, ...events] = reader.of('fresh-start');
    expect(snapshot).toMatchObject({
      kind: 'snapshot',
      version: 4,
      story: { id: 'fresh-start', version: 4 },
    });
    expect(events.map((m) => m.version)).toEqual([5, 6]);
    expect(events[0]).toMatchObject({
      event: { storyId: 'fresh-start', version: 5, type: 'entry.posted', data: { entryId: 'e4' } },
    });
  });

  it('gives a resuming reader exactly the events it missed', async () => {
    await h.story('resume', 10);
    const reader = await h.reader();
    expect(await reader.subscribe('resume', 7)).toEqual({
      ok: true,
      storyId: 'resume',
      version: 11,
    });
    await expectEventually(() => expect(reader.eventVersions('resume')).toEqual([8, 9, 10, 11]));
    expect(reader.of('resume').some((m) => m.kind === 'snapshot')).toBe(false);
    await h.commit(h.posts('resume', 10, 1));
    await expectEventually(() =>
      expect(reader.eventVersions('resume')).toEqual([8, 9, 10, 11, 12]),
    );
  });

  it('treats since 0 as holding nothing and sends the whole history as events', async () => {
    await h.story('from-zero', 2);
    const reader = await h.reader();
    await reader.subscribe('from-zero', 0);
    await expectEventually(() => expect(reader.eventVersions('from-zero')).toEqual([1, 2, 3]));
  });

  it('sends a snapshot to a reader whose since is beyond the story (another history)', async () => {
    await h.story('other-history', 2);
    const reader = await h.reader();
    expect(await reader.subscribe('other-history', 40)).toMatchObject({ ok: true, version: 3 });
    await expectEventually(() =>
      expect(reader.of('other-history')).toEqual([
        expect.objectContaining({ kind: 'snapshot', version: 3 }),
      ]),
    );
  });

  it('sends a snapshot instead of a catch-up of more than 1,000 events', async () => {
    await h.story('long-story', 0);
    // Once this instance has seen all 1,101 events, 1,051 of them are too many for a catch-up.
    const watcher = await h.reader();
    await watcher.subscribe('long-story');
    await h.commit(h.posts('long-story', 0, 1100));
    await expectEventually(() => expect(watcher.holds('long-story')).toBe(1101));
    const reader = await h.reader();
    await reader.subscribe('long-story', 50);
    await expectEventually(() =>
      expect(reader.of('long-story')).toEqual([
        expect.objectContaining({ kind: 'snapshot', version: 1101 }),
      ]),
    );
    const near = await h.reader();
    await near.subscribe('long-story', 101);
    await expectEventually(() => expect(near.eventVersions('long-story')).toHaveLength(1000));
    expect(near.holds('long-story', 101)).toBe(1101);
  });

  it('answers not-found for a story that does not exist', async () => {
    const reader = await h.reader();
    expect(await reader.subscribe('no-such-story')).toEqual({
      ok: false,
      error: { code: 'not-found', message: expect.any(String) },
    });
  });

  it('stops sending a story after unsubscribe', async () => {
    await h.story('leaving', 1);
    const reader = await h.reader();
    await reader.subscribe('leaving', 2);
    expect(await reader.socket.emitWithAck('unsubscribe', { storyId: 'leaving' })).toEqual({
      ok: true,
      storyId: 'leaving',
    });
    await h.commit(h.posts('leaving', 1, 1));
    const watcher = await h.reader();
    await watcher.subscribe('leaving', 2);
    await expectEventually(() => expect(watcher.eventVersions('leaving')).toEqual([3]));
    expect(reader.eventVersions('leaving')).toEqual([]);
  });

  it('keeps every reader gapless while they subscribe during a burst of 300 commits', async () => {
    await h.story('burst', 0);
    const readers = await Promise.all(Array.from({ length: 12 }, () => h.reader()));
    const sinces: (number | undefined)[] = [];
    const subscribing: Promise<unknown>[] = [];
    let committed = 1;
    for (let batch = 0; batch < 30; batch += 1) {
      const commit = h.commit(h.posts('burst', committed - 1, 10));
      if (batch % 3 === 0) {
        const reader = readers[batch / 3];
        const since = batch % 2 === 0 ? undefined : Math.max(0, committed - 5);
        sinces[batch / 3] = since;
        subscribing.push(reader.subscribe('burst', since));
      }
      await commit;
      committed += 10;
    }
    await Promise.all(subscribing);
    const late = readers.slice(10);
    for (const reader of late) subscribing.push(reader.subscribe('burst', 0));
    await Promise.all(subscribing);
    await expectEventually(() => {
      readers.forEach((reader, i) =>
        expect(reader.holds('burst', i < 10 ? sinces[i] : 0)).toBe(301),
      );
    });
    expect(readers[11].eventVersions('burst')).toEqual(
      Array.from({ length: 301 }, (_, i) => i + 1),
    );
  });

  it('gives readers of two gateway instances the same sequence', async () => {
    const second = await h.startGateway();
    await h.story('two-instances', 1);
    const a = await h.reader(h.gateways[0]);
    const b = await h.reader(second);
    await Promise.all([a.subscribe('two-instances', 0), b.subscribe('two-instances', 0)]);
    for (let i = 0; i < 5; i += 1) await h.commit(h.posts('two-instances', 1 + i * 4, 4));
    await expectEventually(() => {
      expect(a.holds('two-instances', 0)).toBe(22);
      expect(b.holds('two-instances', 0)).toBe(22);
    });
    expect(a.eventVersions('two-instances')).toEqual(b.eventVersions('two-instances'));
    // A reader moving from one instance to the other resumes exactly.
    const moved = await h.reader(second);
    await moved.subscribe('two-instances', a.holds('two-instances', 0) - 3);
    await expectEventually(() =>
      expect(moved.eventVersions('two-instances')).toEqual([20, 21, 22]),
    );
  });

  it('fills a hole when an event never arrives over NATS', async () => {
    await h.story('lost-event', 1);
    const reader = await h.reader();
    await reader.subscribe('lost-event', 2);
    await h.commit([r.posted('lost-event', 'x1')], { publish: false });
    await h.commit([r.posted('lost-event', 'x2')]);
    await expectEventually(() => expect(reader.eventVersions('lost-event')).toEqual([3, 4]));
  });
});
