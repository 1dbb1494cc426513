import type { Follower } from '../support/followers';
import { storyScript } from '../support/livefeed';
import { checkFaults, checkReader, clean } from './fault.checker';

/** The checker itself: each kind of fault it must see, seen and counted. */
const reader = (log: Follower['log']) => ({ log });
const row = (story_id: string, report_id: string, version: number) => ({
  story_id,
  report_id,
  version,
});

describe('the fault checker', () => {
  const filed = storyScript('s', 3); // s-open, s-p1, s-p2, s-p3

  it('finds nothing wrong with a complete log and complete readers', () => {
    const figures = checkFaults({
      name: 'checker: clean',
      filed,
      log: filed.map((r, i) => row('s', r.id, i + 1)),
      rejected: 0,
      readers: [
        {
          storyId: 's',
          follower: reader([1, 2, 3, 4].map((version) => ({ kind: 'event', version }))),
        },
        {
          storyId: 's',
          follower: reader([
            { kind: 'snapshot', version: 2 },
            { kind: 'event', version: 3 },
            { kind: 'event', version: 4 },
          ]),
        },
      ],
    });
    expect(figures).toMatchObject(clean(figures));
  });

  it('counts lost, duplicated, out-of-order and unexpected reports', () => {
    const figures = checkFaults({
      name: 'checker: broken log',
      filed,
      log: [
        row('s', 's-open', 1),
        row('s', 's-p2', 2), // s-p1 lost, s-p2 and s-p3 at the wrong place
        row('s', 's-p3', 3),
        row('s', 's-p3', 5), // a duplicate, after a gap
        row('s', 'intruder', 6),
      ],
      rejected: 1,
      readers: [],
    });
    expect(figures.reports).toEqual({
      filed: 4,
      committed: 5,
      rejected: 1,
      lost: 1,
      duplicated: 1,
      outOfOrder: 0,
      unexpected: 3, // the intruder, and versions 5 and 6 past the gap at 4
    });
    expect(figures).not.toMatchObject(clean(figures));
  });

  it('counts a report committed out of its filing order', () => {
    const figures = checkFaults({
      name: 'checker: reordered log',
      filed,
      log: ['s-open', 's-p2', 's-p1', 's-p3'].map((id, i) => row('s', id, i + 1)),
      rejected: 0,
      readers: [],
    });
    expect(figures.reports.outOfOrder).toBe(2);
  });

  it('counts what each reader missed, got twice, out of order, or should never have had', () => {
    expect(checkReader([1, 2, 4], 4)).toEqual({
      lost: 1,
      duplicated: 0,
      outOfOrder: 0,
      unexpected: 0,
    });
    expect(checkReader([1, 2, 2, 3], 3)).toEqual({
      lost: 0,
      duplicated: 1,
      outOfOrder: 0,
      unexpected: 0,
    });
    expect(checkReader([1, 3, 2], 3)).toEqual({
      lost: 0,
      duplicated: 0,
      outOfOrder: 1,
      unexpected: 0,
    });
    expect(checkReader([1, 2, 3, 7, 0], 3)).toMatchObject({ unexpected: 2 });
    expect(checkReader([], 2)).toMatchObject({ lost: 2 });
  });
});
