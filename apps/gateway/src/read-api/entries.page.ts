import type { Entry, StoryState } from '@livefeed/domain';

export interface EntriesQuery {
  /** At most this many entries. */
  readonly entries: number;
  /** The entries after this one, in the state's order (newest first): the next, older page. */
  readonly after?: string;
  /** Only the pinned and the breaking entries. */
  readonly only?: 'highlights';
}

/** A story state with a page of its entries; `next` names the entry the following page starts after. */
export type PagedStoryState = StoryState & { readonly next: string | null };

export type PageOfEntries =
  | { readonly ok: true; readonly state: PagedStoryState }
  | { readonly ok: false; readonly message: string };

export function isHighlight(entry: Entry): boolean {
  return entry.pinned || entry.kind === 'breaking';
}

/** One page of a state's entries (docs/protocol.md, "HTTP": `?entries=&after=&only=`). */
export function pageOfEntries(state: StoryState, query: EntriesQuery): PageOfEntries {
  let from = 0;
  if (query.after !== undefined) {
    const at = state.entries.findIndex((e) => e.entryId === query.after);
    if (at < 0)
      return {
        ok: false,
        message: `entry ${query.after} is not in story ${state.id} at version ${state.version}`,
      };
    from = at + 1;
  }
  const page: Entry[] = [];
  let more = false;
  for (let i = from; i < state.entries.length; i++) {
    const entry = state.entries[i];
    if (query.only === 'highlights' && !isHighlight(entry)) continue;
    if (page.length === query.entries) {
      more = true;
      break;
    }
    page.push(entry);
  }
  const next = more ? page[page.length - 1].entryId : null;
  return { ok: true, state: { ...state, entries: page, next } };
}

/**
 * What the story page renders first: the newest `count` entries and every pinned one (they are on
 * top); older entries load as the reader scrolls, from `next`.
 */
export function firstPage(
  state: StoryState,
  count: number,
): { entries: Entry[]; next: string | null } {
  if (state.entries.length <= count) return { entries: [...state.entries], next: null };
  const newest = new Set(state.entries.slice(0, count).map((e) => e.entryId));
  return {
    entries: state.entries.filter((e) => newest.has(e.entryId) || e.pinned),
    next: state.entries[count - 1].entryId,
  };
}
