import type { ReportOutcome } from '@livefeed/event-store';
import { describeFiling, filingExitCode, tallyFiling } from './filing.summary';

const outcomes: Record<string, ReportOutcome> = {
  a: { reportId: 'a', status: 'accepted', storyId: 's', version: 1 },
  b: { reportId: 'b', status: 'rejected', storyId: 's', code: 'unknown-entry' },
  c: { reportId: 'c', status: 'rejected', storyId: 's', code: 'story-closed' },
};
const outcomeOf = (id: string) => outcomes[id];

describe('the summary of publish and import', () => {
  it("counts each published line once, by its report id's first outcome", () => {
    const summary = tallyFiling(
      ['a', 'b', 'c', 'b', 'x'],
      [
        { line: 9, error: 'bad' },
        { line: 2, error: 'worse' },
      ],
      outcomeOf,
    );
    expect(summary).toEqual({
      published: 5,
      broken: [
        { line: 2, error: 'worse' },
        { line: 9, error: 'bad' },
      ],
      accepted: 1,
      rejected: { 'story-closed': 1, 'unknown-entry': 2 },
      pending: 1,
    });
    expect(Object.keys(summary.rejected)).toEqual(['story-closed', 'unknown-entry']);
  });

  it('exits 0 when every line was published and decided, rejections included', () => {
    const decided = tallyFiling(['a', 'b'], [], outcomeOf);
    expect(filingExitCode(decided, false)).toBe(0);
    expect(filingExitCode(decided, true)).toBe(1);
    expect(filingExitCode(tallyFiling(['a', 'x'], [], outcomeOf), false)).toBe(1);
    expect(filingExitCode(tallyFiling(['a'], [{ line: 1, error: 'e' }], outcomeOf), false)).toBe(1);
    expect(filingExitCode(tallyFiling([], [], outcomeOf), false)).toBe(0);
  });

  it('tells a person what happened, broken lines by number', () => {
    const text = describeFiling(
      tallyFiling(['a', 'b', 'x'], [{ line: 3, error: 'malformed JSON' }], outcomeOf),
      false,
    );
    expect(text).toBe(
      [
        'published 3 reports: 1 accepted, 1 rejected (unknown-entry 1), 1 pending',
        '1 broken line, not published:',
        '  line 3: malformed JSON',
      ].join('\n'),
    );
  });
});
