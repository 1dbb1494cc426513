import { expectEventually } from '@livefeed/common/testing';
import { at, commitHeldInFlight, items, openTestStore, r } from '../testing/store.fixture';
import type { TestStore } from '../testing/store.fixture';

// The reads the operator CLI needs beside the apps' own: many outcomes at once, and the head of
// the whole log where a tail starts.
let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

describe('getOutcomes', () => {
  it('answers many report ids in one call, leaving out those never decided', async () => {
    await t.store.commitBatch(
      items([
        r.opened('many', {}, { id: 'o-open' }),
        r.posted('many', 'e1', {}, { id: 'o-post' }),
        r.pinned('many', 'e9', { id: 'o-pin' }),
      ]),
      at(1),
    );
    const outcomes = await t.store.getOutcomes(['o-open', 'o-post', 'o-pin', 'o-never', 'o-open']);
    expect(Object.fromEntries(outcomes)).toEqual({
      'o-open': { reportId: 'o-open', status: 'accepted', storyId: 'many', version: 1 },
      'o-post': { reportId: 'o-post', status: 'accepted', storyId: 'many', version: 2 },
      'o-pin': {
        reportId: 'o-pin',
        status: 'rejected',
        storyId: 'many',
        code: 'unknown-entry',
        message: expect.stringContaining('e9'),
      },
    });
    expect(outcomes.get('o-pin')).toEqual(await t.store.getOutcome('o-pin'));
  });

  it('answers an empty list without a query, and ids no report could have', async () => {
    expect((await t.store.getOutcomes([])).size).toBe(0);
    expect(
      (await t.store.getOutcomes(["'; DROP TABLE events; --", '', 'x'.repeat(500)])).size,
    ).toBe(0);
  });
});

describe('logHead', () => {
  it('is the position of the last event readLog returns, and 0 on an empty log', async () => {
    const empty = await openTestStore();
    try {
      expect(await empty.store.logHead()).toBe(0);
    } finally {
      await empty.close();
    }
    await t.store.commitBatch(items([r.opened('head-a'), r.opened('head-b')]), at(2));
    await expectEventually(async () => {
      const head = await t.store.logHead();
      const [last] = await t.store.readLog(head - 1, 10);
      expect(last.event.storyId).toBe('head-b');
      expect(await t.store.readLog(head, 10)).toEqual([]);
    });
  });

  it('stays below a commit still in flight, so a tail from it misses nothing', async () => {
    await t.store.commitBatch(items([r.opened('slow-head'), r.opened('fast-head')]), at(3));
    const before = await expectEventually(async () => {
      const head = await t.store.logHead();
      expect((await t.store.readLog(head - 1, 10)).map((x) => x.event.storyId)).toEqual([
        'fast-head',
      ]);
      return head;
    });
    const slow = await commitHeldInFlight(t, r.posted('slow-head', 'e1'), at(4));
    await t.store.commitBatch(items([r.posted('fast-head', 'e1')]), at(5));
    expect(await t.store.logHead()).toBe(before);

    await slow.release();
    await slow.commit;
    await expectEventually(async () => {
      const head = await t.store.logHead();
      const tail = await t.store.readLog(before, 10);
      expect(tail.map((x) => x.event.storyId)).toEqual(['slow-head', 'fast-head']);
      expect(tail[1].position).toBe(head);
    });
  });
});
