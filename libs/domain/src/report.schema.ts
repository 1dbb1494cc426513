import { z } from 'zod';

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An ISO-8601 text as `YYYY-MM-DDTHH:mm:ss.sssZ`, or undefined when it is no instant or falls
 * outside the years 0001–9999 in UTC: PostgreSQL refuses year 0 (`0001-01-01T00:00+01:00` is one)
 * and `toISOString` writes years past 9999 with a sign, so such a time would fail at the database
 * on every redelivery instead of being rejected once.
 */
export function instantOf(text: string): string | undefined {
  const time = Date.parse(text);
  if (!Number.isFinite(time) || time < FIRST_INSTANT || time > LAST_INSTANT) return undefined;
  return new Date(time).toISOString();
}

/** Limits of docs/protocol.md, "Reports in", in one place. */
export const LIMITS = {
  reportBytes: 256 * 1024,
  bodyChars: 20_000,
  /** Deepest JSON nesting a report may have; real reports need 4. */
  jsonDepth: 32,
} as const;

export const REPORT_TYPES = [
  'story.opened',
  'story.updated',
  'story.closed',
  'story.reopened',
  'entry.posted',
  'entry.edited',
  'entry.retracted',
  'entry.pinned',
  'entry.unpinned',
  'figure.reported',
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const STORY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const REPORT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const ENTRY_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const FIGURE_ID = /^[a-z0-9-]{1,64}$/;

const text = (min: number, max: number) => z.string().min(min).max(max);
export const storyIdSchema = z.string().regex(STORY_ID, 'must match ^[a-z0-9][a-z0-9-]{0,63}$');
export const reportIdSchema = z.string().regex(REPORT_ID, 'must be 1-128 chars of [A-Za-z0-9._:-]');
const entryId = z.string().regex(ENTRY_ID, 'must match ^[A-Za-z0-9_-]{1,64}$');
const figureId = z.string().regex(FIGURE_ID, 'must match ^[a-z0-9-]{1,64}$');
/** Raw body before sanitising; the 1–20000 rule is checked again on the sanitised text. */
const rawBody = z.string().min(1).max(LIMITS.reportBytes);

export const sourceSchema = z.object({
  name: text(1, 200),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(2000)
    .optional(),
});
export type Source = z.infer<typeof sourceSchema>;

/** Most sources one entry may cite. */
export const MAX_ENTRY_SOURCES = 10;
/** An entry's sources, in the order the report gives them: 1–10 (docs/protocol.md, "Report types"). */
export const entrySourcesSchema = z.array(sourceSchema).min(1).max(MAX_ENTRY_SOURCES);

export const ENTRY_KINDS = ['update', 'breaking', 'statement', 'analysis'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
export const QUALIFIERS = ['exact', 'approximately', 'at-least', 'at-most'] as const;
export type Qualifier = (typeof QUALIFIERS)[number];

/** Report `data` per type, as filed (defaults filled by the schema). */
export const reportDataSchemas = {
  'story.opened': z.object({
    title: text(1, 300),
    summary: text(0, 2000).optional(),
    visibility: z.enum(['public', 'private']).default('public'),
  }),
  'story.updated': z.object({ title: text(1, 300).optional(), summary: text(0, 2000).optional() }),
  'story.closed': z.object({ note: text(0, 500).optional() }),
  'story.reopened': z.object({}),
  'entry.posted': z
    .object({
      entryId,
      body: rawBody,
      kind: z.enum(ENTRY_KINDS).default('update'),
      sources: entrySourcesSchema.optional(),
      /** The shape before `sources`: one source, meaning a list of one. Never with `sources`. */
      source: sourceSchema.optional(),
    })
    .refine((data) => data.source === undefined || data.sources === undefined, {
      path: ['source'],
      error: 'give either sources or the older single source, not both',
    }),
  'entry.edited': z.object({ entryId, body: rawBody, correction: text(1, 500).optional() }),
  'entry.retracted': z.object({ entryId, reason: text(1, 500) }),
  'entry.pinned': z.object({ entryId }),
  'entry.unpinned': z.object({ entryId }),
  'figure.reported': z.object({
    figureId,
    label: text(1, 200),
    value: z.number().nonnegative(),
    qualifier: z.enum(QUALIFIERS).default('exact'),
    unit: text(0, 40).optional(),
    source: sourceSchema,
  }),
} as const satisfies Record<ReportType, z.ZodType>;

const envelope = {
  id: reportIdSchema,
  storyId: storyIdSchema,
  author: text(1, 200),
  occurredAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 instant' })
    .refine((text) => instantOf(text) !== undefined, {
      error: 'must be an instant between the years 0001 and 9999 (UTC)',
    })
    .optional(),
};

function reportOf<T extends ReportType>(type: T) {
  return z.object({ ...envelope, type: z.literal(type), data: reportDataSchemas[type] });
}

/** A report as filed by a newsroom tool (docs/protocol.md, "Reports in"). */
export const reportSchema = z.discriminatedUnion('type', [
  reportOf('story.opened'),
  reportOf('story.updated'),
  reportOf('story.closed'),
  reportOf('story.reopened'),
  reportOf('entry.posted'),
  reportOf('entry.edited'),
  reportOf('entry.retracted'),
  reportOf('entry.pinned'),
  reportOf('entry.unpinned'),
  reportOf('figure.reported'),
]);
export type Report = Readonly<z.infer<typeof reportSchema>>;
export type ReportOf<T extends ReportType> = Extract<Report, { type: T }>;
