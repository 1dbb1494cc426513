import type { StoryPointInTime } from '@livefeed/event-store';
import { fieldErrorsOfIssues, type FieldError } from '@livefeed/common';
import { z } from 'zod';
import { ENTRY_ID, STORY_ID } from '@livefeed/domain';

/**
 * Query parameters of the read API. Each is a single string: a repeated parameter arrives as an
 * array and a bracketed one (`after[$gt]=0`) as an object or as an unknown key, and all of them are
 * refused, as is any parameter a route does not know. Every value is also one the store can hold, so
 * a request that can never succeed is a 400 here instead of a PostgreSQL error later.
 */
const MAX_TOKEN_CHARS = 8 * 1024;
/** Versions are PostgreSQL `integer` columns (`events.version`, `stories.version`). */
export const MAX_VERSION = 2 ** 31 - 1;
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;
/**
 * The instants an `?at=` may name, in UTC. `recorded_at` is a timestamptz, and PostgreSQL reads the
 * instant in the form the gateway sends it (JavaScript's `toISOString`) only for years 0001-9999:
 * before, the form says year 0000, which PostgreSQL has no such year; after, it says `+010000`,
 * which PostgreSQL refuses as a time zone.
 */
export const FIRST_INSTANT = '0001-01-01T00:00:00.000Z';
export const LAST_INSTANT = '9999-12-31T23:59:59.999Z';
const FIRST_MS = Date.parse(FIRST_INSTANT);
const LAST_MS = Date.parse(LAST_INSTANT);

const token = z.string().min(1).max(MAX_TOKEN_CHARS);
const DIGITS = /^\d{1,15}$/;
const count = (max: number) =>
  z
    .string()
    .regex(DIGITS, 'must be a non-negative integer')
    .transform(Number)
    .refine((n) => n <= max, `must be at most ${max}`);

export const eventsQuerySchema = z
  .object({
    after: count(MAX_VERSION).optional(),
    limit: count(MAX_PAGE)
      .refine((n) => n >= 1, 'must be at least 1')
      .optional(),
    token: token.optional(),
  })
  .strict();

const pointInTime = z
  .string()
  .max(64, 'must be a version or an ISO-8601 instant with a time zone')
  .transform((at, ctx) => {
    const parsed = parsePointInTime(at);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  });

/** Entries per page of a story's state (`?entries=`), at most. */
export const MAX_ENTRIES_PAGE = 1000;

/**
 * `?entries=<n>` pages the state's entries (newest first): at most n of them, after the entry
 * `?after=<entryId>`, only the pinned and breaking ones with `?only=highlights`; the answer then
 * says with `next` where the following page starts (docs/protocol.md, "HTTP").
 */
export const storyQuerySchema = z
  .object({
    at: pointInTime.optional(),
    entries: count(MAX_ENTRIES_PAGE)
      .refine((n) => n >= 1, 'must be at least 1')
      .optional(),
    after: z.string().regex(ENTRY_ID, 'must be an entry id').optional(),
    only: z.literal('highlights', 'must be highlights').optional(),
    token: token.optional(),
  })
  .strict()
  .refine((q) => q.entries !== undefined || (q.after === undefined && q.only === undefined), {
    message: 'after and only page the entries: give entries=<n> too',
    path: ['entries'],
  });

/** An entry's history takes no parameter but the reader token. */
export const historyQuerySchema = z.object({ token: token.optional() }).strict();

const INSTANT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export type ParsedPointInTime =
  { ok: true; value: StoryPointInTime } | { ok: false; message: string };

/** `?at=` is a version (digits) or an ISO-8601 instant with a time zone, normalised to UTC. */
export function parsePointInTime(at: string): ParsedPointInTime {
  if (DIGITS.test(at)) {
    const version = Number(at);
    return version <= MAX_VERSION
      ? { ok: true, value: { version } }
      : { ok: false, message: `a version is at most ${MAX_VERSION}` };
  }
  const instant = INSTANT.exec(at);
  const ms = instant ? Date.parse(at) : NaN;
  // Date.parse rolls a day the month does not have (02-30) over into the next month.
  if (!instant || !Number.isFinite(ms) || !isCalendarDay(instant[1])) {
    return { ok: false, message: 'must be a version or an ISO-8601 instant with a time zone' };
  }
  if (ms < FIRST_MS || ms > LAST_MS) {
    return { ok: false, message: `an instant is from ${FIRST_INSTANT} to ${LAST_INSTANT} in UTC` };
  }
  return { ok: true, value: { instant: new Date(ms).toISOString() } };
}

function isCalendarDay(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

export function isStoryId(value: unknown): value is string {
  return typeof value === 'string' && STORY_ID.test(value);
}

export function isEntryId(value: unknown): value is string {
  return typeof value === 'string' && ENTRY_ID.test(value);
}

export type ParsedQuery<T> =
  { ok: true; value: T } | { ok: false; message: string; fields: FieldError[] };

export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): ParsedQuery<T> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const fields = fieldErrorsOfIssues(parsed.error.issues, {
    describe: (issue) =>
      issue.code === 'invalid_type' ? 'must be given once, as a plain value' : issue.message,
    unknownKey: 'unknown parameter',
  });
  return { ok: false, message: 'invalid query parameters', fields };
}
