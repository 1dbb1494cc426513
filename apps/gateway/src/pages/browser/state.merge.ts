import type { StoryEvent } from '@livefeed/domain/event.schema';
import { evolve } from '@livefeed/domain/story.evolve';
import type { Entry, StoryState } from '@livefeed/domain/story.state';
import type { PagedState } from './story.api';

/**
 * A page of entries fetched at version `at`, brought up to `version` with the events that came
 * meanwhile (`recent` holds them), so that it can join a state held at `version` without a gap:
 * an edit or a retraction that arrived while the page was on its way applies to it too.
 */
export function bringUpTo(
  page: PagedState,
  at: number,
  recent: readonly StoryEvent[],
  version: number,
): PagedState {
  const missed = recent.filter((e) => e.version > at && e.version <= version);
  if (missed.length !== version - at || missed.some((e, i) => e.version !== at + i + 1)) {
    throw new Error(`the events from ${at} to ${version} are no longer held`);
  }
  let state: StoryState = page;
  for (const event of missed) state = evolve(state, event);
  const ids = new Set(page.entries.map((e) => e.entryId));
  return {
    ...state,
    next: page.next ?? null,
    entries: state.entries.filter((e) => ids.has(e.entryId)),
  };
}

/**
 * The state with more entries, each once, in the state's order: newest first by posting time
 * (the entries already held keep their order among equals).
 */
export function mergeEntries(state: StoryState, entries: readonly Entry[]): StoryState {
  const held = new Set(state.entries.map((e) => e.entryId));
  const fresh = entries.filter((e) => !held.has(e.entryId));
  if (fresh.length === 0) return state;
  const all = [...state.entries, ...fresh];
  const order = new Map(all.map((e, i) => [e.entryId, i]));
  all.sort(
    (a, b) =>
      Date.parse(b.postedAt) - Date.parse(a.postedAt) ||
      order.get(a.entryId)! - order.get(b.entryId)!,
  );
  return { ...state, entries: all };
}
