import type { StoryEvent, StoryState } from '@livefeed/domain';
import type { Visibility } from '../join.plan';

/** The story the stream specs follow. */
export const STORY = 'karabakh-day-6';

/** A post at `version`: the simplest event a stream carries. */
export function eventAt(version: number, storyId = STORY): StoryEvent {
  return {
    storyId,
    version,
    type: 'entry.posted',
    data: { entryId: `e${version}`, body: `<p>${version}</p>`, kind: 'update' },
    reportId: `rpt-${version}`,
    author: 'desk:caucasus',
    occurredAt: '2026-11-24T08:15:00.000Z',
    recordedAt: '2026-11-24T08:15:00.412Z',
  } as StoryEvent;
}

/** Events `from`..`to`, inclusive. */
export function events(from: number, to: number): StoryEvent[] {
  return Array.from({ length: to - from + 1 }, (_, i) => eventAt(from + i));
}

/** The story as of `version`, with nothing in it. */
export function stateAt(version: number, visibility: Visibility = 'public'): StoryState {
  return {
    id: STORY,
    title: 'Day 6',
    summary: null,
    status: 'live',
    visibility,
    version,
    openedAt: '2026-11-24T08:00:00.000Z',
    updatedAt: '2026-11-24T08:15:00.000Z',
    entries: [],
    figures: [],
  };
}
