import { fold, type StoryState } from '@livefeed/domain';
import {
  edited,
  history,
  opened,
  posted,
  retracted,
  toEvent,
} from '@livefeed/domain/testing/story.fixtures';
import { bringUpTo, mergeEntries } from './state.merge';

const log = history([opened(), posted('e1'), posted('e2'), posted('e3')]);
const at4 = fold(log)!;

describe('a page of entries joining the state a page holds', () => {
  it('takes the events that came while it was on its way', () => {
    const later = [toEvent(edited('e1', '<p>New</p>', 'fixed'), 5), toEvent(retracted('e2'), 6)];
    const page = { ...at4, entries: at4.entries.filter((e) => e.entryId !== 'e3'), next: null };
    const joined = bringUpTo(page, 4, later, 6);
    expect(joined.version).toBe(6);
    expect(joined.entries.map((e) => [e.entryId, e.body, e.corrections.length])).toEqual([
      ['e2', null, 0],
      ['e1', '<p>New</p>', 1],
    ]);
  });

  it('refuses when the events in between are no longer held', () => {
    const page = { ...at4, next: null };
    expect(() => bringUpTo(page, 4, [toEvent(retracted('e2'), 6)], 6)).toThrow(/no longer held/);
  });

  it('adds each entry once, newest first', () => {
    const held: StoryState = { ...at4, entries: at4.entries.slice(0, 1) };
    const merged = mergeEntries(held, at4.entries);
    expect(merged.entries.map((e) => e.entryId)).toEqual(['e3', 'e2', 'e1']);
    expect(mergeEntries(merged, at4.entries)).toBe(merged);
  });
});
