/** The JSON Schema files under docs/schemas/, from the zod schemas of the code. */
import type { z } from 'zod';
import {
  LIMITS,
  REPORT_TYPES,
  reportSchema,
  storyEventSchema,
  type EventType,
  type ReportType,
} from '@livefeed/domain';
import { describeProperties, DIALECT, jsonSchemaOf, type JsonObject } from './json';
import { rejectionSchema, storyStateSchema } from './shapes';

/** Each report type's rule, in words: what makes it accepted, and the code when it is not. */
export const REPORT_RULES: Record<ReportType, string> = {
  'story.opened':
    'Opens a story. Accepted when the story does not exist yet (else `story-exists`).',
  'story.updated':
    'Changes the title and/or the summary. Accepted when the story exists (`unknown-story`) and the report names at least one of them with a value the story does not have yet (`no-change`).',
  'story.closed': 'Accepted when the story exists and is live (`story-closed` when it is closed).',
  'story.reopened': 'Accepted when the story exists and is closed (`no-change` when it is live).',
  'entry.posted':
    'Adds an entry, citing 1–10 `sources` or, in the older shape, one `source` (not both: `invalid`). Accepted when the story exists and is live (`story-closed`) and no entry of the story, retracted ones included, has that `entryId` (`entry-exists`).',
  'entry.edited':
    "Replaces an entry's body, optionally with a public correction note. Accepted when the entry exists (`unknown-entry`), is not retracted (`entry-retracted`), and the sanitised body differs or a correction is given (`no-change`). Allowed on a closed story.",
  'entry.retracted':
    'Withdraws an entry: it stays in the story with `body: null` and the reason. Accepted when the entry exists and is not retracted. Allowed on a closed story.',
  'entry.pinned':
    'Accepted when the entry exists, is not retracted and is not pinned (`no-change`). Allowed on a closed story.',
  'entry.unpinned':
    'Accepted when the entry exists, is not retracted and is pinned (`no-change`). Allowed on a closed story.',
  'figure.reported':
    "One source's value for a key figure (a toll, a count). Accepted when the story exists and is live (`story-closed`). A source's new value replaces its previous one; `label` and `unit` follow the latest report.",
};

/** What each event does to the story state. */
export const EVENT_EFFECTS: Record<EventType, string> = {
  'story.opened':
    'Starts the state: status `live`, no entries, no figures; `summary` null when none was given.',
  'story.updated': 'Sets the title and/or summary present in `data`.',
  'story.closed': 'Sets status `closed`.',
  'story.reopened': 'Sets status `live`.',
  'entry.posted':
    'Adds the entry (unpinned, no corrections), placed newest first by `postedAt`, with `sources` (empty when absent) and `source`, the first of them or null.',
  'entry.edited': 'Replaces the body, sets `editedAt`, appends the correction when there is one.',
  'entry.retracted': 'Sets `body: null`, `pinned: false` and `retracted: { reason, at }`.',
  'entry.pinned': 'Sets `pinned: true`.',
  'entry.unpinned': 'Sets `pinned: false`.',
  'figure.reported':
    "Adds the figure, or replaces the source's claim in place (or appends a new source's).",
};

const BODY_NOTE = `HTML fragment; sanitised to an allow-list (no script, event handlers, javascript: URLs or inline styles), and then 1–${LIMITS.bodyChars} characters, else \`invalid\`.`;
const OCCURRED_NOTE =
  'ISO-8601 instant with a time zone, between the years 0001 and 9999 in UTC; defaults to the time the service received the report.';

type Member<T extends string> = z.ZodType & {
  readonly shape: { readonly type: { readonly value: T } };
};

function byType<T extends string, M extends Member<T>>(
  title: string,
  description: string,
  members: readonly M[],
  def: (type: T, member: M) => JsonObject,
): JsonObject {
  const $defs: JsonObject = {};
  for (const member of members)
    $defs[member.shape.type.value] = def(member.shape.type.value, member);
  return {
    $schema: DIALECT,
    title,
    description,
    oneOf: Object.keys($defs).map((type) => ({ $ref: `#/$defs/${type}` })),
    $defs,
  };
}

export function reportSchemaFile(): JsonObject {
  return byType(
    'Report',
    `A report as a newsroom tool files it: UTF-8 JSON of at most ${LIMITS.reportBytes} bytes, nested at most ${LIMITS.jsonDepth} levels. Unknown keys are ignored. One definition per type: ${REPORT_TYPES.join(', ')}.`,
    reportSchema.options,
    (type: ReportType, member) => {
      const schema = jsonSchemaOf(member, 'input');
      const notes: Record<string, string> = {
        id: 'the idempotency key: a report id is decided once, forever',
        storyId: "must equal the subject's last token (or the URL's story id)",
        occurredAt: OCCURRED_NOTE,
      };
      if (type === 'entry.posted' || type === 'entry.edited') notes['data.body'] = BODY_NOTE;
      if (type === 'entry.posted') {
        notes['data.sources'] = 'what the entry cites, in this order';
        notes['data.source'] =
          'the older shape: one source, meaning `sources` of one; giving both is `invalid`';
      }
      return { title: type, description: REPORT_RULES[type], ...describeProperties(schema, notes) };
    },
  );
}

export function eventSchemaFile(): JsonObject {
  return byType(
    'Event',
    "One entry of a story's append-only log, as read, published and pushed. `data` is normalised: defaults filled, body sanitised, in today's shape (events stored in an older shape are upgraded on every read). Readers should ignore keys they do not know.",
    storyEventSchema.options,
    (type: EventType, member) => {
      const schema = jsonSchemaOf(member, 'input');
      describeProperties(schema, {
        version: "the story's event count: 1 for story.opened, then exactly one more per event",
        reportId: 'the report this event was decided from',
        occurredAt:
          "the report's occurredAt (or the time it was received), as `YYYY-MM-DDTHH:mm:ss.sssZ`",
        recordedAt: 'when the event was decided, as `YYYY-MM-DDTHH:mm:ss.sssZ`',
        ...(type === 'entry.posted'
          ? {
              'data.sources':
                "the report's sources, or its single `source` as a list of one; absent when it cited none",
            }
          : {}),
      });
      return { title: type, description: EVENT_EFFECTS[type], ...schema };
    },
  );
}

export function storyStateSchemaFile(): JsonObject {
  return { $schema: DIALECT, title: 'StoryState', ...jsonSchemaOf(storyStateSchema) };
}

export function rejectionSchemaFile(): JsonObject {
  return { $schema: DIALECT, title: 'Rejection', ...jsonSchemaOf(rejectionSchema) };
}
