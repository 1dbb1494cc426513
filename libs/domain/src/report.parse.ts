import type { z } from 'zod';
import { nestsDeeperThan, peekTopLevelString } from './json.scanner';
import type { Rejection } from './rejection';
import {
  LIMITS,
  REPORT_ID,
  REPORT_TYPES,
  STORY_ID,
  reportSchema,
  type Report,
} from './report.schema';

/** What the transport knows about a report besides its bytes. */
export interface ReportContext {
  /** The story named by the subject (`<root>.reports.<storyId>`) or the URL; the body must agree. */
  readonly subjectStoryId?: string;
  /**
   * The storyId to assume when the body has none: the write API's `:id`, where
   * docs/protocol.md, "HTTP" lets the body omit it. A `storyId` in the body still wins
   * (and must then match `subjectStoryId`).
   */
  readonly impliedStoryId?: string;
  /** The id to reject under when the report's own id cannot be found (`seq:<n>`). */
  readonly fallbackId: string;
}

export type ParseResult =
  | { readonly ok: true; readonly report: Report }
  | { readonly ok: false; readonly rejection: Rejection };

/** Field errors kept per rejection; the rest are counted in the message. */
const MAX_FIELDS = 20;
/** Issues spelled out in the message. */
const MAX_MESSAGE_ISSUES = 3;
const MAX_MESSAGE_CHARS = 1000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Turns the bytes of a JetStream message into a report, or into the `invalid`
 * rejection to publish. Checks, cheapest and most fundamental first: size,
 * UTF-8, nesting depth (on the text, before anything recursive sees it), JSON
 * syntax, then {@link validateReport}. Never throws.
 *
 * A report rejected before it could be parsed is still rejected under its own
 * `id` when the text starts well enough for the id to be found.
 */
export function parseReportBytes(bytes: Uint8Array, ctx: ReportContext): ParseResult {
  if (bytes.byteLength > LIMITS.reportBytes) {
    const head = lenientUtf8.decode(bytes.subarray(0, LIMITS.reportBytes));
    return invalid(
      identifyText(head, ctx),
      `report is ${bytes.byteLength} bytes, over the ${LIMITS.reportBytes}-byte limit`,
    );
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return invalid(identifyText(lenientUtf8.decode(bytes), ctx), 'report is not valid UTF-8');
  }
  if (nestsDeeperThan(text, LIMITS.jsonDepth)) {
    return invalid(identifyText(text, ctx), tooDeep());
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return invalid(identifyText(text, ctx), `malformed JSON: ${reason}`);
  }
  return validateReport(value, ctx);
}

/**
 * Validates an already-parsed value as a report (docs/protocol.md, "Reports in"). Rejects,
 * in order: strings PostgreSQL jsonb cannot store (U+0000, unpaired surrogates;
 * in keys too) and nesting deeper than {@link LIMITS.jsonDepth}, anywhere in the
 * value; a top level that is not a plain object; anything the schema refuses; a
 * `storyId` other than the subject's. Never throws.
 *
 * The rejection carries the report's own `id` whenever that id is well formed,
 * even if the rest is not, so that the publisher can look the outcome up.
 */
export function validateReport(value: unknown, ctx: ReportContext): ParseResult {
  const who = identifyValue(value, ctx);
  const unstorable = findUnstorable(value);
  if (unstorable.tooDeep) return invalid(who, tooDeep());
  if (unstorable.issues.length > 0) return invalidFields(who, unstorable.issues);
  if (!isPlainObject(value)) {
    return invalid(who, `report must be a JSON object, not ${kindOf(value)}`);
  }
  const filed =
    value.storyId === undefined && ctx.impliedStoryId !== undefined
      ? { ...value, storyId: ctx.impliedStoryId }
      : value;
  const parsed = reportSchema.safeParse(filed, { error: requiredWhenMissing });
  if (!parsed.success) {
    return invalidFields(
      who,
      parsed.error.issues.map((issue) => explain(issue, value)),
    );
  }
  const report = parsed.data;
  if (ctx.subjectStoryId !== undefined && report.storyId !== ctx.subjectStoryId) {
    const message = `storyId ${report.storyId} does not match subject token ${ctx.subjectStoryId}`;
    return invalid(who, message, [{ path: 'storyId', message }]);
  }
  return { ok: true, report };
}

interface Issue {
  readonly path: string;
  readonly message: string;
}

interface Identity {
  readonly reportId: string;
  readonly storyId: string;
}

function identify(id: unknown, storyId: unknown, ctx: ReportContext): Identity {
  return {
    reportId: typeof id === 'string' && REPORT_ID.test(id) ? id : ctx.fallbackId,
    storyId:
      typeof storyId === 'string' && STORY_ID.test(storyId) ? storyId : (ctx.subjectStoryId ?? ''),
  };
}

function identifyText(text: string, ctx: ReportContext): Identity {
  return identify(peekTopLevelString(text, 'id'), peekTopLevelString(text, 'storyId'), ctx);
}

function identifyValue(value: unknown, ctx: ReportContext): Identity {
  return isPlainObject(value)
    ? identify(value.id, value.storyId ?? ctx.impliedStoryId, ctx)
    : identify(undefined, undefined, ctx);
}

/** An `invalid` rejection; `issues` become its field errors. */
function invalid(who: Identity, message: string, issues: readonly Issue[] = []): ParseResult {
  const fields: Record<string, string> = {};
  for (const issue of issues.slice(0, MAX_FIELDS)) fields[issue.path] ??= printable(issue.message);
  return {
    ok: false,
    rejection: {
      ...who,
      code: 'invalid',
      message: printable(message).slice(0, MAX_MESSAGE_CHARS),
      ...(issues.length > 0 ? { fields } : {}),
    },
  };
}

/** Names the first few problems in the message, counts the rest; all go in the fields. */
function invalidFields(who: Identity, issues: readonly Issue[]): ParseResult {
  const named = issues
    .slice(0, MAX_MESSAGE_ISSUES)
    .map((issue) => `${issue.path}: ${issue.message}`);
  const more = issues.length - named.length;
  return invalid(who, [...named, ...(more > 0 ? [`and ${more} more`] : [])].join('; '), issues);
}

function tooDeep(): string {
  return `report nests deeper than ${LIMITS.jsonDepth} levels`;
}

/** Rejections are stored and published as text: they must not carry what made the report unstorable. */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** What jsonb refuses: NUL, and UTF-16 surrogates that are not part of a pair. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Walks the whole value with an explicit stack (no recursion, so depth cannot
 * overflow it), collecting strings and keys jsonb cannot store, and stopping
 * as soon as nesting passes the limit.
 */
function findUnstorable(root: unknown): { tooDeep: boolean; issues: Issue[] } {
  const issues: Issue[] = [];
  const seen = new Set<object>();
  const stack: { value: unknown; path: readonly string[]; depth: number }[] = [
    { value: root, path: [], depth: 0 },
  ];
  for (
    let next = stack.pop();
    next !== undefined && issues.length < MAX_FIELDS;
    next = stack.pop()
  ) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem) issues.push({ path: formatPath(path), message: problem });
      continue;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (depth + 1 > LIMITS.jsonDepth) return { tooDeep: true, issues };
    const children: { value: unknown; path: readonly string[]; depth: number }[] = [];
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) =>
        children.push({ value: item, path: [...path, String(index)], depth: depth + 1 }),
      );
    } else {
      for (const [key, item] of Object.entries(value)) {
        const problem = unstorable(key);
        if (problem) issues.push({ path: formatPath([...path, key]), message: `key ${problem}` });
        children.push({ value: item, path: [...path, key], depth: depth + 1 });
      }
    }
    // Reversed so that issues are found, and listed, in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return { tooDeep: false, issues };
}

function unstorable(text: string): string | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return code === '0000'
    ? 'contains U+0000 (NUL), which cannot be stored'
    : `contains an unpaired surrogate U+${code}, which cannot be stored`;
}

function formatPath(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return 'report';
  // JSON escaping keeps a hostile key from smuggling control characters into the message.
  return path.map((segment) => JSON.stringify(String(segment)).slice(1, -1)).join('.');
}

/** Zod's own wording for a missing field is "expected string, received undefined". */
function requiredWhenMissing(issue: { code?: string; input?: unknown }): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;
}

function explain(issue: z.core.$ZodIssue, report: Record<string, unknown>): Issue {
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_union' && path === 'type') {
    const types = REPORT_TYPES.join(', ');
    const type = report.type;
    const message =
      typeof type === 'string'
        ? `unknown type ${JSON.stringify(type.slice(0, 64))}; valid types are ${types}`
        : `${type === undefined ? 'is required' : 'must be a string'}; valid types are ${types}`;
    return { path, message };
  }
  return { path, message: issue.message };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return 'an object of another kind';
  return `a ${typeof value}`;
}
