/**
 * zod schemas for shapes the code declares only as TypeScript types (the story state, a rejection,
 * the HTTP bodies), so that they can be written out as JSON Schema. Each is checked against its type
 * at compile time: `npm run typecheck` fails when either drifts from the other.
 */
import { z } from 'zod';
import { HTTP_ERROR_STATUS, type HttpErrorBody } from '@livefeed/common';
import {
  ENTRY_KINDS,
  QUALIFIERS,
  REJECTION_CODES,
  REPORT_TYPES,
  sourceSchema,
  type Rejection,
  type StoryState,
} from '@livefeed/domain';
import type { EntryHistory, ReportOutcome, StorySummary } from '@livefeed/event-store';
import type { SubscribeAck } from '@livefeed/protocol';

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
/** True when A and B describe the same values, readonly-ness aside. */
type Same<A, B> = [DeepReadonly<A>] extends [DeepReadonly<B>]
  ? [DeepReadonly<B>] extends [DeepReadonly<A>]
    ? true
    : false
  : false;

const instant = z.string().describe('ISO-8601 instant in UTC with milliseconds');
const status = z.enum(['live', 'closed']);
const visibility = z.enum(['public', 'private']);

export const storyStateSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    status,
    visibility,
    version: z.number().int().positive(),
    openedAt: instant,
    updatedAt: instant,
    entries: z
      .array(
        z.object({
          entryId: z.string(),
          kind: z.enum(ENTRY_KINDS),
          body: z.string().nullable().describe('sanitised HTML; null once retracted'),
          author: z.string(),
          sources: z
            .array(sourceSchema)
            .describe('what the entry cites, in the order the report gave; empty when nothing'),
          source: sourceSchema
            .nullable()
            .describe(
              'the first of `sources`, or null: kept for readers written before `sources` existed',
            ),
          postedAt: instant,
          editedAt: instant.nullable(),
          corrections: z.array(z.object({ note: z.string(), at: instant })),
          pinned: z.boolean(),
          retracted: z.object({ reason: z.string(), at: instant }).nullable(),
        }),
      )
      .describe('newest first by postedAt, ties newest version first'),
    figures: z
      .array(
        z.object({
          figureId: z.string(),
          label: z.string(),
          unit: z.string().nullable(),
          bySource: z
            .array(
              z.object({
                source: sourceSchema,
                value: z.number(),
                qualifier: z.enum(QUALIFIERS),
                reportedAt: instant,
              }),
            )
            .describe('the latest value of each source, in the order sources first reported'),
        }),
      )
      .describe('in the order figures were first reported'),
  })
  .describe("A story's current state: the fold of its events.");
const _storyState: Same<z.output<typeof storyStateSchema>, StoryState> = true;

export const rejectionSchema = z
  .object({
    reportId: z.string().describe('the report id, or `seq:<n>` when none could be read'),
    storyId: z.string(),
    code: z.enum(REJECTION_CODES),
    message: z.string(),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .describe('for `invalid`: field path → problem; absent when empty'),
  })
  .describe('What a report that is not accepted becomes.');
const _rejection: Same<z.output<typeof rejectionSchema>, Rejection> = true;

const errorCodes = Object.keys(HTTP_ERROR_STATUS) as [
  keyof typeof HTTP_ERROR_STATUS,
  ...(keyof typeof HTTP_ERROR_STATUS)[],
];
export const httpErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      fields: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .describe('fields that failed validation; absent when none'),
    }),
  })
  .describe('The one error body of both apps.');
const _httpError: Same<z.output<typeof httpErrorBodySchema>, HttpErrorBody> = true;

export const storySummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  status,
  visibility,
  version: z.number().int().positive(),
  updatedAt: instant,
});
const _summary: Same<z.output<typeof storySummarySchema>, StorySummary> = true;

/** `GET /api/stories/:id/entries/:entryId/history`: every event that touched the entry. */
export const entryHistorySchema = z.object({
  storyId: z.string(),
  entryId: z.string(),
  revisions: z
    .array(
      z.object({
        version: z.number().int().positive(),
        type: z.enum(REPORT_TYPES).describe("the event's type"),
        body: z
          .string()
          .nullable()
          .describe("the entry's sanitised body after this event; null once retracted"),
        correction: z.string().nullable().describe('the correction note of an edit that gave one'),
        reason: z.string().nullable().describe('why it was retracted (entry.retracted)'),
        author: z.string(),
        occurredAt: instant,
        recordedAt: instant,
      }),
    )
    .describe('oldest first'),
});
const _history: Same<z.output<typeof entryHistorySchema>, EntryHistory> = true;

/** `GET /api/reports/:reportId`: a recorded outcome, or `unknown`. */
export const reportStatusSchema = z.union([
  z.object({
    reportId: z.string(),
    status: z.literal('accepted'),
    storyId: z.string(),
    version: z.number().int().positive(),
  }),
  z.object({
    reportId: z.string(),
    status: z.literal('rejected'),
    storyId: z.string(),
    code: z.enum(REJECTION_CODES),
    message: z.string(),
  }),
  z.object({ reportId: z.string(), status: z.literal('unknown') }),
]);
type KnownStatus = Exclude<z.output<typeof reportStatusSchema>, { status: 'unknown' }>;
const _outcome: [KnownStatus] extends [ReportOutcome] ? true : false = true;

/** The write API's outcome bodies (201, 202, 422). */
export const queuedSchema = z.object({
  reportId: z.string(),
  status: z.literal('queued'),
  seq: z.number().int().positive().describe("the report's sequence on the reports stream"),
});
export const acceptedSchema = z.object({
  reportId: z.string(),
  status: z.literal('accepted'),
  version: z.number().int().positive(),
});
export const rejectedSchema = z.object({
  reportId: z.string(),
  status: z.literal('rejected'),
  code: z.enum(REJECTION_CODES),
  message: z.string(),
});

/** socket.io acknowledgement of `subscribe`. */
export const subscribeAckSchema = z.union([
  z.object({
    ok: z.literal(true),
    storyId: z.string(),
    version: z.number().int().positive().describe("the story's latest version at subscribe time"),
  }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: z.enum(['not-found', 'forbidden', 'invalid', 'unavailable']),
      message: z.string(),
    }),
  }),
]);
const _ack: Same<z.output<typeof subscribeAckSchema>, SubscribeAck> = true;

export const unsubscribeAckSchema = z.union([
  z.object({ ok: z.literal(true), storyId: z.string() }),
  subscribeAckSchema.options[1],
]);

export const audienceMessageSchema = z.object({
  storyId: z.string(),
  count: z.number().int().min(0).describe('readers of the story across every gateway instance'),
});
export const revokedMessageSchema = z.object({
  storyId: z.string(),
  reason: z.literal('token-expired'),
});
export const reconnectMessageSchema = z.object({
  reason: z.string(),
  delayMs: z.number().int().min(0).describe('how long to wait before reconnecting'),
});
