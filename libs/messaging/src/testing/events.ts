import type { StoryEvent } from '@livefeed/domain';

/** A valid `entry.posted` event for story `storyId` at `version`, with fixed times. */
export function entryPosted(storyId: string, version: number): StoryEvent {
  return {
    storyId,
    version,
    type: 'entry.posted',
    data: { entryId: `e${version}`, body: `<p>update ${version}</p>`, kind: 'update' },
    reportId: `rpt-${storyId}-${version}`,
    author: 'desk:test',
    occurredAt: '2026-11-24T08:15:00.000Z',
    recordedAt: '2026-11-24T08:15:00.412Z',
  };
}
