import { z } from 'zod';
import { storyIdSchema } from '@livefeed/domain';
import type { SubscribeRequest, UnsubscribeRequest } from '@livefeed/protocol';

const version = z
  .number({ error: 'must be a non-negative integer' })
  .int('must be a non-negative integer')
  .min(0, 'must be a non-negative integer')
  .max(Number.MAX_SAFE_INTEGER, 'must be a non-negative integer');

// `satisfies`: a schema that drifts from the protocol's declaration of the message fails to compile.

/** `subscribe` payload (docs/protocol.md, "Live push"). Unknown keys are ignored. */
export const subscribeRequestSchema = z.object(
  { storyId: storyIdSchema, since: version.optional() },
  { error: 'must be an object {storyId, since?}' },
) satisfies z.ZodType<SubscribeRequest>;

/** `unsubscribe` payload. */
export const unsubscribeRequestSchema = z.object(
  { storyId: storyIdSchema },
  { error: 'must be an object {storyId}' },
) satisfies z.ZodType<UnsubscribeRequest>;

/** The request, or a one-line reason naming the bad field. */
export function parseRequest<T>(
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; message: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'the payload must be a JSON object' };
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `${field}${issue.message}` };
}
