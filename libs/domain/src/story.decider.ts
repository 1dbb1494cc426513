import { sanitizeBody } from './body.sanitizer';
import type { EventData, EventType, StoryEvent } from './event.schema';
import type { Rejection, RejectionCode } from './rejection';
import { instantOf, LIMITS, type Report, type ReportOf, type Source } from './report.schema';
import type { Entry, StoryState } from './story.state';

/** What a report becomes: exactly one event, or a rejection (docs/protocol.md, "Reports in"). */
export type Decision =
  | { readonly ok: true; readonly event: StoryEvent }
  | { readonly ok: false; readonly rejection: Rejection };

/**
 * Decides what a validated report does to a story: the next event, or why not.
 *
 * Pure and total: no clock (`now`, the instant the service received the report,
 * is `recordedAt` and the default `occurredAt`), no ids made up, never throws.
 * `occurredAt` is normalised to `YYYY-MM-DDTHH:mm:ss.sssZ`; the event's `data`
 * is the normalised data of `event.schema.ts` (defaults filled, body sanitised).
 *
 * A report wrong in itself (an `occurredAt` that is no instant, a body empty or
 * over 20000 characters once sanitised) is `invalid` before the story is even
 * consulted: no later state could make it acceptable, so it is never worth a retry.
 *
 * What the store may rely on: `decide` reads `state.entries` only for the entry
 * whose `entryId` the report names, and never reads `state.figures`. A store may
 * therefore pass a state whose `entries` holds just that entry (or none, when the
 * report names no entry) and whose `figures` is empty, and get the same decision.
 *
 * @param state the story as of its latest event, or null when it does not exist
 * @param now ISO instant with milliseconds in UTC, as `Date#toISOString` gives
 */
export function decide(state: StoryState | null, report: Report, now: string): Decision {
  const occurredAt = report.occurredAt === undefined ? now : instantOf(report.occurredAt);
  if (occurredAt === undefined) {
    return invalid(report, 'occurredAt', 'must be an ISO-8601 instant');
  }
  const head: Head = {
    storyId: report.storyId,
    version: (state?.version ?? 0) + 1,
    reportId: report.id,
    author: report.author,
    occurredAt,
    recordedAt: now,
  };
  switch (report.type) {
    case 'story.opened':
      return storyOpened(state, report, head);
    case 'story.updated':
      return storyUpdated(state, report, head);
    case 'story.closed':
      return storyClosed(state, report, head);
    case 'story.reopened':
      return storyReopened(state, report, head);
    case 'entry.posted':
      return entryPosted(state, report, head);
    case 'entry.edited':
      return entryEdited(state, report, head);
    case 'entry.retracted':
      return entryRetracted(state, report, head);
    case 'entry.pinned':
    case 'entry.unpinned':
      return entryPinning(state, report, head);
    case 'figure.reported':
      return figureReported(state, report, head);
    default: {
      const unknownType: never = report;
      return unknownReportType(unknownType);
    }
  }
}

type Head = Omit<StoryEvent, 'type' | 'data'>;

function storyOpened(
  state: StoryState | null,
  report: ReportOf<'story.opened'>,
  head: Head,
): Decision {
  if (state !== null) {
    return reject(report, 'story-exists', `story ${report.storyId} already exists`);
  }
  const { title, summary, visibility } = report.data;
  return accept(head, {
    type: 'story.opened',
    data: { title, summary: summary ?? null, visibility },
  });
}

function storyUpdated(
  state: StoryState | null,
  report: ReportOf<'story.updated'>,
  head: Head,
): Decision {
  if (state === null) return unknownStory(report);
  const { title, summary } = report.data;
  if (title === undefined && summary === undefined) {
    return reject(
      report,
      'no-change',
      `story.updated for story ${state.id} names neither title nor summary`,
    );
  }
  if ((title ?? state.title) === state.title && (summary ?? state.summary) === state.summary) {
    return reject(
      report,
      'no-change',
      `story ${state.id} already has that ${changedNames(title, summary)}`,
    );
  }
  return accept(head, {
    type: 'story.updated',
    data: {
      ...(title === undefined ? {} : { title }),
      ...(summary === undefined ? {} : { summary }),
    },
  });
}

function storyClosed(
  state: StoryState | null,
  report: ReportOf<'story.closed'>,
  head: Head,
): Decision {
  if (state === null) return unknownStory(report);
  if (state.status === 'closed') {
    return reject(report, 'story-closed', `story ${state.id} is already closed`);
  }
  const { note } = report.data;
  return accept(head, { type: 'story.closed', data: note === undefined ? {} : { note } });
}

function storyReopened(
  state: StoryState | null,
  report: ReportOf<'story.reopened'>,
  head: Head,
): Decision {
  if (state === null) return unknownStory(report);
  if (state.status === 'live') {
    return reject(report, 'no-change', `story ${state.id} is already live`);
  }
  return accept(head, { type: 'story.reopened', data: {} });
}

function entryPosted(
  state: StoryState | null,
  report: ReportOf<'entry.posted'>,
  head: Head,
): Decision {
  const body = sanitisedBody(report);
  if (typeof body !== 'string') return body;
  if (state === null) return unknownStory(report);
  if (state.status === 'closed') {
    return reject(report, 'story-closed', `story ${state.id} is closed`);
  }
  const { entryId, kind, sources, source } = report.data;
  // Retracted entries stay in the story, so their ids stay taken.
  if (entryOf(state, entryId)) {
    return reject(report, 'entry-exists', `entry ${entryId} already exists in story ${state.id}`);
  }
  // The older single `source` is a list of one (the schema refuses both); none cited: no key.
  const cited = sources ?? (source === undefined ? [] : [source]);
  return accept(head, {
    type: 'entry.posted',
    data: { entryId, body, kind, ...(cited.length ? { sources: cited.map(copySource) } : {}) },
  });
}

function entryEdited(
  state: StoryState | null,
  report: ReportOf<'entry.edited'>,
  head: Head,
): Decision {
  const body = sanitisedBody(report);
  if (typeof body !== 'string') return body;
  const entry = liveEntry(state, report);
  if (!isEntry(entry)) return entry;
  const { entryId, correction } = report.data;
  if (body === entry.body && correction === undefined) {
    return reject(
      report,
      'no-change',
      `entry ${entryId} in story ${report.storyId} already has that body`,
    );
  }
  return accept(head, {
    type: 'entry.edited',
    data: {
      entryId,
      body,
      ...(correction === undefined ? {} : { correction }),
    },
  });
}

function entryRetracted(
  state: StoryState | null,
  report: ReportOf<'entry.retracted'>,
  head: Head,
): Decision {
  const entry = liveEntry(state, report);
  if (!isEntry(entry)) return entry;
  const { entryId, reason } = report.data;
  return accept(head, { type: 'entry.retracted', data: { entryId, reason } });
}

function entryPinning(
  state: StoryState | null,
  report: ReportOf<'entry.pinned' | 'entry.unpinned'>,
  head: Head,
): Decision {
  const entry = liveEntry(state, report);
  if (!isEntry(entry)) return entry;
  const { entryId } = report.data;
  const pin = report.type === 'entry.pinned';
  if (entry.pinned === pin) {
    const already = pin ? 'is already pinned' : 'is not pinned';
    return reject(report, 'no-change', `entry ${entryId} in story ${report.storyId} ${already}`);
  }
  return accept(head, { type: report.type, data: { entryId } });
}

function figureReported(
  state: StoryState | null,
  report: ReportOf<'figure.reported'>,
  head: Head,
): Decision {
  if (state === null) return unknownStory(report);
  if (state.status === 'closed') {
    return reject(report, 'story-closed', `story ${state.id} is closed`);
  }
  const { figureId, label, value, qualifier, unit, source } = report.data;
  return accept(head, {
    type: 'figure.reported',
    data: {
      figureId,
      label,
      // JSON has no -0: normalise it so that the event reads back as it was decided.
      value: value === 0 ? 0 : value,
      qualifier,
      unit: unit ?? null,
      source: copySource(source),
    },
  });
}

/** The entry an edit, retraction or (un)pin acts on, or why it cannot act. */
function liveEntry(
  state: StoryState | null,
  report: ReportOf<'entry.edited' | 'entry.retracted' | 'entry.pinned' | 'entry.unpinned'>,
): Entry | Decision {
  if (state === null) return unknownStory(report);
  const { entryId } = report.data;
  const entry = entryOf(state, entryId);
  if (!entry) {
    return reject(report, 'unknown-entry', `entry ${entryId} does not exist in story ${state.id}`);
  }
  if (entry.retracted !== null) {
    return reject(report, 'entry-retracted', `entry ${entryId} in story ${state.id} is retracted`);
  }
  return entry;
}

/** The one place `decide` reads `state.entries` (see the store's invariant above). */
function entryOf(state: StoryState, entryId: string): Entry | undefined {
  return state.entries.find((entry) => entry.entryId === entryId);
}

function isEntry(value: Entry | Decision): value is Entry {
  return 'entryId' in value;
}

/** The 1–20000 rule applies to what is stored, so it is checked after sanitising. */
function sanitisedBody(report: ReportOf<'entry.posted' | 'entry.edited'>): string | Decision {
  const body = sanitizeBody(report.data.body);
  if (body.trim() === '') {
    return invalid(report, 'data.body', 'the sanitised body is empty');
  }
  if (body.length > LIMITS.bodyChars) {
    return invalid(
      report,
      'data.body',
      `the sanitised body is ${body.length} characters, over the ${LIMITS.bodyChars}-character limit`,
    );
  }
  return body;
}

function copySource(source: Source): Source {
  return source.url === undefined ? { name: source.name } : { name: source.name, url: source.url };
}

function changedNames(title: string | undefined, summary: string | undefined): string {
  if (title !== undefined && summary !== undefined) return 'title and summary';
  return title !== undefined ? 'title' : 'summary';
}

/** One event's type and data, correlated (`Omit` over the union would lose that). */
type Change = { [T in EventType]: { readonly type: T; readonly data: EventData<T> } }[EventType];

function accept(head: Head, change: Change): Decision {
  // Fields in the order of docs/protocol.md, "Events out", so that published JSON reads like it.
  const event: StoryEvent = {
    storyId: head.storyId,
    version: head.version,
    ...change,
    reportId: head.reportId,
    author: head.author,
    occurredAt: head.occurredAt,
    recordedAt: head.recordedAt,
  };
  return { ok: true, event };
}

function unknownStory(report: Report): Decision {
  return reject(report, 'unknown-story', `story ${report.storyId} does not exist`);
}

function invalid(report: Report, field: string, message: string): Decision {
  return reject(report, 'invalid', `${field}: ${message}`, { [field]: message });
}

function reject(
  report: Report,
  code: RejectionCode,
  message: string,
  fields?: Readonly<Record<string, string>>,
): Decision {
  return {
    ok: false,
    rejection: {
      reportId: report.id,
      storyId: report.storyId,
      code,
      message,
      ...(fields === undefined ? {} : { fields }),
    },
  };
}

/** Unreachable for a validated report; kept a rejection so that `decide` stays total. */
function unknownReportType(report: never): Decision {
  const { type } = report as { type: unknown };
  return invalid(report, 'type', `unknown type ${JSON.stringify(String(type))}`);
}
