import { z } from 'zod';
import { ENTRY_KINDS, entrySourcesSchema, QUALIFIERS, sourceSchema } from './report.schema';

/**
 * Normalised event `data` per type, in today's shape (schema version `CURRENT_EVENT_SCHEMA`): defaults filled,
 * bodies sanitised (docs/protocol.md, "Events out"). Older shapes in the log are brought to this one
 * by `upcastEventData` (event.upcast.ts) on every read.
 */
export const eventDataSchemas = {
  'story.opened': z.object({
    title: z.string(),
    summary: z.string().nullable(),
    visibility: z.enum(['public', 'private']),
  }),
  'story.updated': z.object({ title: z.string().optional(), summary: z.string().optional() }),
  'story.closed': z.object({ note: z.string().optional() }),
  'story.reopened': z.object({}),
  'entry.posted': z.object({
    entryId: z.string(),
    body: z.string(),
    kind: z.enum(ENTRY_KINDS),
    /** Absent when the report cited none: present, it holds 1–10. */
    sources: entrySourcesSchema.optional(),
  }),
  'entry.edited': z.object({
    entryId: z.string(),
    body: z.string(),
    correction: z.string().optional(),
  }),
  'entry.retracted': z.object({ entryId: z.string(), reason: z.string() }),
  'entry.pinned': z.object({ entryId: z.string() }),
  'entry.unpinned': z.object({ entryId: z.string() }),
  'figure.reported': z.object({
    figureId: z.string(),
    label: z.string(),
    value: z.number(),
    qualifier: z.enum(QUALIFIERS),
    unit: z.string().nullable(),
    source: sourceSchema,
  }),
} as const;
export type EventType = keyof typeof eventDataSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

const envelope = {
  storyId: z.string(),
  version: z.number().int().positive(),
  reportId: z.string(),
  author: z.string(),
  /** ISO-8601 with milliseconds, UTC. */
  occurredAt: z.string(),
  recordedAt: z.string(),
};
function eventOf<T extends EventType>(type: T) {
  return z.object({ ...envelope, type: z.literal(type), data: eventDataSchemas[type] });
}

/** One entry of a story's append-only log (docs/protocol.md, "Events out"). */
export const storyEventSchema = z.discriminatedUnion('type', [
  eventOf('story.opened'),
  eventOf('story.updated'),
  eventOf('story.closed'),
  eventOf('story.reopened'),
  eventOf('entry.posted'),
  eventOf('entry.edited'),
  eventOf('entry.retracted'),
  eventOf('entry.pinned'),
  eventOf('entry.unpinned'),
  eventOf('figure.reported'),
]);
export type StoryEvent = Readonly<z.infer<typeof storyEventSchema>>;
export type StoryEventOf<T extends EventType> = Extract<StoryEvent, { type: T }>;
