import type { StoryPointInTime } from '@livefeed/event-store';
import { z } from 'zod';
import { STORY_ID } from '@livefeed/domain';

/**
 * Query parameters of the read API. Each is a single string: a repeated parameter arrives as an
 * array and a bracketed one (`after[$gt]=0`) as an object or as an unknown key, and all of them are
 * refused, as is any parameter a route does not know.
 */
const MAX_TOKEN_CHARS = 8 * 1024;
const token = z.string().min(1).max(MAX_TOKEN_CHARS);
const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .transform(Number)
    .refine((n) => n <= max, `must be at most ${max}`);

export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

export const eventsQuerySchema = z
  .object({
    after: count(Number.MAX_SAFE_INTEGER).optional(),
    limit: count(MAX_PAGE)
      .refine((n) => n >= 1, 'must be at least 1')
      .optional(),
    token: token.optional(),
  })
  .strict();

export const storyQuerySchema = z
  .object({ at: z.string().min(1).max(64).optional(), token: token.optional() })
  .strict();
export const pageQuerySchema = z.object({ token: token.optional() }).strict();

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `?at=` is a version (digits) or an ISO-8601 instant with a time zone. */
export function parsePointInTime(at: string): StoryPointInTime | null {
  if (/^\d{1,15}$/.test(at)) return { version: Number(at) };
  if (!INSTANT.test(at)) return null;
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? { instant: new Date(ms).toISOString() } : null;
}

export function isStoryId(value: unknown): value is string {
  return typeof value === 'string' && STORY_ID.test(value);
}

export type ParsedQuery<T> =
  { ok: true; value: T } | { ok: false; message: string; fields: Record<string, string> };

export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): ParsedQuery<T> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] = 'unknown parameter';
      continue;
    }
    const name = String(issue.path[0] ?? 'query');
    fields[name] ??=
      issue.code === 'invalid_type' ? 'must be given once, as a plain value' : issue.message;
  }
  return { ok: false, message: 'invalid query parameters', fields };
}
