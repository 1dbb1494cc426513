import type { z } from 'zod';
import type { EventData, EventType, StoryEvent } from '../event.schema';
import type { RejectionCode } from '../rejection';
import {
  reportDataSchemas,
  reportSchema,
  type ReportOf,
  type ReportType,
  type Source,
} from '../report.schema';

/** Fixed names and times for the domain's specifications. */
export const STORY = 'karabakh-day-6';
export const AUTHOR = 'desk:caucasus';
/** When the service received the report under test. */
export const NOW = '2026-11-24T09:00:00.000Z';
/** The report under test's `occurredAt`, as filed and as the event carries it. */
export const FILED_AT = '2026-11-24T08:30:00Z';
export const OCCURRED_AT = '2026-11-24T08:30:00.000Z';
export const REPORT_ID = 'rpt-2026-11-24-0100';

/** The n-th event of a history (from 1) happened n minutes past eight. */
export function minute(n: number): string {
  return `2026-11-24T08:${String(n).padStart(2, '0')}:00.000Z`;
}

/** An event without its envelope: what a specification says happened. */
export type Fact = {
  [T in EventType]: {
    readonly type: T;
    readonly data: EventData<T>;
    readonly occurredAt?: string;
    readonly author?: string;
  };
}[EventType];

/** Facts as the story's log: versions from 1, each at its own minute unless it says otherwise. */
export function history(facts: readonly Fact[]): StoryEvent[] {
  return facts.map((fact, i) => toEvent(fact, i + 1));
}

export function toEvent(
  fact: Fact,
  version: number,
  envelope: Partial<StoryEvent> = {},
): StoryEvent {
  const { occurredAt, author, ...change } = fact;
  const at = occurredAt ?? minute(version);
  return {
    storyId: STORY,
    version,
    ...change,
    reportId: `rpt-given-${version}`,
    author: author ?? AUTHOR,
    occurredAt: at,
    recordedAt: at,
    ...envelope,
  } as StoryEvent;
}

/** A report as a newsroom tool files it, through the schema so that defaults are filled. */
export function report<T extends ReportType>(
  type: T,
  data: z.input<(typeof reportDataSchemas)[T]>,
  envelope: {
    id?: string;
    storyId?: string;
    author?: string;
    occurredAt?: string | undefined;
  } = {},
): ReportOf<T> {
  const filed = {
    id: REPORT_ID,
    storyId: STORY,
    author: AUTHOR,
    occurredAt: FILED_AT,
    ...envelope,
    type,
    data,
  };
  return reportSchema.parse(filed) as ReportOf<T>;
}

/** Envelope-free rejection, as a specification expects it. */
export interface Rejected {
  readonly code: RejectionCode;
  readonly message: string | RegExp;
  readonly fields?: Readonly<Record<string, string | RegExp>>;
}

export function rejected(
  code: RejectionCode,
  message: string | RegExp,
  fields?: Readonly<Record<string, string | RegExp>>,
): Rejected {
  return { code, message, ...(fields ? { fields } : {}) };
}

// Facts, named for what happened.
export const UN: Source = { name: 'UN OHCHR', url: 'https://ohchr.example/ua' };
export const MINISTRY: Source = { name: 'Ministry of Health' };

export const opened = (data: Partial<EventData<'story.opened'>> = {}): Fact => ({
  type: 'story.opened',
  data: { title: 'Karabakh, day 6', summary: null, visibility: 'public', ...data },
});
export const updated = (data: EventData<'story.updated'>): Fact => ({
  type: 'story.updated',
  data,
});
export const closed = (): Fact => ({ type: 'story.closed', data: {} });
export const reopened = (): Fact => ({ type: 'story.reopened', data: {} });
export const posted = (
  entryId: string,
  data: Partial<EventData<'entry.posted'>> = {},
  occurredAt?: string,
): Fact => ({
  type: 'entry.posted',
  data: { entryId, body: `<p>Entry ${entryId}.</p>`, kind: 'update', ...data },
  ...(occurredAt ? { occurredAt } : {}),
});
export const edited = (entryId: string, body: string, correction?: string): Fact => ({
  type: 'entry.edited',
  data: { entryId, body, ...(correction ? { correction } : {}) },
});
export const retracted = (entryId: string, reason = 'Could not be verified.'): Fact => ({
  type: 'entry.retracted',
  data: { entryId, reason },
});
export const pinned = (entryId: string): Fact => ({ type: 'entry.pinned', data: { entryId } });
export const unpinned = (entryId: string): Fact => ({ type: 'entry.unpinned', data: { entryId } });
export const figure = (
  figureId: string,
  value: number,
  source: Source,
  data: Partial<EventData<'figure.reported'>> = {},
  occurredAt?: string,
): Fact => ({
  type: 'figure.reported',
  data: {
    figureId,
    label: 'Civilians killed',
    value,
    qualifier: 'exact',
    unit: null,
    source,
    ...data,
  },
  ...(occurredAt ? { occurredAt } : {}),
});
