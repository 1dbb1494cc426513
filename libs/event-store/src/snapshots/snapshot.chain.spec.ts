import { fold, type StoryEvent } from '@livefeed/domain';
import { foldChain, nextSnapshotAt } from './snapshot.chain';

const S = 'chain';
function event(version: number, storyId = S): StoryEvent {
  const envelope = {
    storyId,
    version,
    reportId: `r${version}`,
    author: 'desk:test',
    occurredAt: '2026-11-24T08:00:00.000Z',
    recordedAt: '2026-11-24T08:00:00.500Z',
  };
  if (version === 1)
    return {
      ...envelope,
      type: 'story.opened',
      data: { title: 'Chain', summary: null, visibility: 'public' },
    };
  if (version % 4 === 0)
    return { ...envelope, type: 'entry.pinned', data: { entryId: `e${version - 1}` } };
  return {
    ...envelope,
    type: 'entry.posted',
    data: { entryId: `e${version}`, body: `<p>${version}</p>`, kind: 'update' },
  };
}
const run = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

describe('folding a run of the log into snapshots', () => {
  it('is due at the next multiple of N after any version', () => {
    expect(nextSnapshotAt(0, 10)).toBe(10);
    expect(nextSnapshotAt(9, 10)).toBe(10);
    expect(nextSnapshotAt(10, 10)).toBe(20);
    expect(nextSnapshotAt(15, 25)).toBe(25);
  });

  it('gives a snapshot at each multiple of N passed, each from the one before', () => {
    const events = run(1, 25);
    const chain = foldChain(S, null, events, 10);
    expect(chain.state).toEqual(fold(events));
    expect(chain.version).toBe(25);
    expect(chain.records.map((r) => [r.baseVersion, r.version])).toEqual([
      [0, 10],
      [10, 20],
    ]);
    expect(chain.records[1].state).toEqual(fold(events.slice(0, 20)));
    // Posts of e11, e13, e14, e15, … and the pins of e11, e15, e19: each entry once.
    expect([...chain.records[1].entryIds].sort()).toEqual(
      ['e11', 'e13', 'e14', 'e15', 'e17', 'e18', 'e19'].sort(),
    );
  });

  it('goes on from a snapshot that is not at a multiple of N (N was changed)', () => {
    const state = fold(run(1, 15));
    if (!state) throw new Error('the run opens the story');
    const chain = foldChain(S, { version: 15, state }, run(16, 31), 10);
    expect(chain.records.map((r) => [r.baseVersion, r.version])).toEqual([
      [15, 20],
      [20, 30],
    ]);
    expect(chain.state).toEqual(fold(run(1, 31)));
  });

  it('gives nothing for a run shorter than the next multiple, and the base for no events', () => {
    expect(foldChain(S, null, run(1, 9), 10).records).toEqual([]);
    expect(foldChain(S, null, [], 10)).toEqual({ state: null, version: 0, records: [] });
  });

  it('refuses a run with a hole, a repeat or another story: its snapshot would be wrong forever', () => {
    expect(() => foldChain(S, null, [event(1), event(3)], 10)).toThrow(/cannot fold chain@3/);
    expect(() => foldChain(S, null, [event(1), event(1)], 10)).toThrow(/cannot fold/);
    expect(() => foldChain(S, null, [event(1, 'other')], 10)).toThrow(/cannot fold other@1/);
  });
});
