import { fold, type StoryState } from '@livefeed/domain';
import { history, opened, pinned, posted } from '@livefeed/domain/testing/story.fixtures';
import { firstPage, pageOfEntries } from './entries.page';

const story: StoryState = fold(
  history([
    opened(),
    ...['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((id) =>
      posted(id, id === 'e2' || id === 'e5' ? { kind: 'breaking' } : {}),
    ),
    pinned('e1'),
  ]),
)!;
const ids = (state: StoryState) => state.entries.map((e) => e.entryId);

describe("a page of a story's entries", () => {
  it('gives the newest first, and where the next page starts', () => {
    const page = pageOfEntries(story, { entries: 2 });
    expect(page.ok && ids(page.state)).toEqual(['e6', 'e5']);
    expect(page.ok && page.state.next).toBe('e5');
    expect(page.ok && page.state.version).toBe(story.version);
  });

  it('goes on after an entry, and says when it reached the end', () => {
    const page = pageOfEntries(story, { entries: 2, after: 'e3' });
    expect(page.ok && ids(page.state)).toEqual(['e2', 'e1']);
    expect(page.ok && page.state.next).toBeNull();
    const exact = pageOfEntries(story, { entries: 3, after: 'e4' });
    expect(exact.ok && exact.state.next).toBeNull();
  });

  it('keeps only the pinned and breaking entries for the highlights', () => {
    const page = pageOfEntries(story, { entries: 10, only: 'highlights' });
    expect(page.ok && ids(page.state)).toEqual(['e5', 'e2', 'e1']);
    const next = pageOfEntries(story, { entries: 1, only: 'highlights', after: 'e4' });
    expect(next.ok && ids(next.state)).toEqual(['e2']);
    expect(next.ok && next.state.next).toBe('e2');
  });

  it('refuses to start after an entry the story does not have', () => {
    expect(pageOfEntries(story, { entries: 2, after: 'e9' })).toEqual({
      ok: false,
      message: `entry e9 is not in story ${story.id} at version ${story.version}`,
    });
  });

  it('renders first the newest entries and every pinned one', () => {
    expect(firstPage(story, 2)).toEqual({
      entries: story.entries.filter((e) => ['e6', 'e5', 'e1'].includes(e.entryId)),
      next: 'e5',
    });
    expect(firstPage(story, 6).next).toBeNull();
  });
});
