// Types only: browsers import this file directly (libs/client), so it must not
// pull zod or sanitize-html in at runtime.
import type { StoryEvent, StoryEventOf } from './event.schema';
import type { Source } from './report.schema';
import type { Entry, Figure, FigureClaim, StoryState } from './story.state';

/**
 * The story after one more event: the projection of docs/protocol.md, "Story state".
 *
 * Pure: never mutates `state` or `event`, shares no mutable object with the
 * event, reads no clock. Every time in the state is the `occurredAt` of the event
 * that caused it; `version` and `updatedAt` follow the latest event applied.
 *
 * `story.opened` starts a fresh state whatever `state` was. Any other event
 * needs the story to exist and throws otherwise: that is a log that does not
 * start with `story.opened`, which `decide` never produces. An entry event for an
 * entry missing from `state` changes no entry, so that a state holding only some
 * of the story's entries (as the store keeps) still evolves.
 */
export function evolve(state: StoryState | null, event: StoryEvent): StoryState {
  switch (event.type) {
    case 'story.opened':
      return {
        id: event.storyId,
        title: event.data.title,
        summary: event.data.summary,
        status: 'live',
        visibility: event.data.visibility,
        version: event.version,
        openedAt: event.occurredAt,
        updatedAt: event.occurredAt,
        entries: [],
        figures: [],
      };
    case 'story.updated': {
      const { title, summary } = event.data;
      return {
        ...advance(state, event),
        ...(title === undefined ? {} : { title }),
        ...(summary === undefined ? {} : { summary }),
      };
    }
    case 'story.closed':
      return { ...advance(state, event), status: 'closed' };
    case 'story.reopened':
      return { ...advance(state, event), status: 'live' };
    case 'entry.posted':
      return postEntry(advance(state, event), event);
    case 'entry.edited': {
      const { entryId, body, correction } = event.data;
      const at = event.occurredAt;
      return changeEntry(advance(state, event), entryId, (entry) => ({
        ...entry,
        body,
        editedAt: at,
        corrections:
          correction === undefined
            ? entry.corrections
            : [...entry.corrections, { note: correction, at }],
      }));
    }
    case 'entry.retracted': {
      const retracted = { reason: event.data.reason, at: event.occurredAt };
      // A retracted entry stays in the story, emptied, so that readers see it went and why.
      return changeEntry(advance(state, event), event.data.entryId, (entry) => ({
        ...entry,
        body: null,
        pinned: false,
        retracted,
      }));
    }
    case 'entry.pinned':
    case 'entry.unpinned': {
      const pinned = event.type === 'entry.pinned';
      return changeEntry(advance(state, event), event.data.entryId, (entry) => ({
        ...entry,
        pinned,
      }));
    }
    case 'figure.reported':
      return reportFigure(advance(state, event), event);
    default:
      return unknownEvent(event);
  }
}

/**
 * Folds events, in log order, onto `initial`: the state after the last of them,
 * or `initial` when there are none. `fold(rest, fold(prefix))` equals
 * `fold([...prefix, ...rest])`.
 */
export function fold(
  events: Iterable<StoryEvent>,
  initial: StoryState | null = null,
): StoryState | null {
  let state = initial;
  for (const event of events) state = evolve(state, event);
  return state;
}

/** The existing story, stamped with the event's version and time. */
function advance(state: StoryState | null, event: StoryEvent): StoryState {
  if (state === null) {
    throw new Error(
      `cannot apply ${event.type} (version ${event.version}): story ${event.storyId} was never opened`,
    );
  }
  return { ...state, version: event.version, updatedAt: event.occurredAt };
}

function postEntry(state: StoryState, event: StoryEventOf<'entry.posted'>): StoryState {
  const { entryId, kind, body } = event.data;
  if (state.entries.some((e) => e.entryId === entryId)) return state;
  const sources = (event.data.sources ?? []).map(copySource);
  const entry: Entry = {
    entryId,
    kind,
    body,
    author: event.author,
    sources,
    source: sources[0] ?? null,
    postedAt: event.occurredAt,
    editedAt: null,
    corrections: [],
    pinned: false,
    retracted: null,
  };
  // Newest first by postedAt, ties newest version first: the new entry has the
  // highest version so far, so it goes before every entry posted at or before it.
  const at = state.entries.findIndex((e) => compareInstants(e.postedAt, entry.postedAt) <= 0);
  const entries =
    at < 0
      ? [...state.entries, entry]
      : [...state.entries.slice(0, at), entry, ...state.entries.slice(at)];
  return { ...state, entries };
}

function changeEntry(
  state: StoryState,
  entryId: string,
  change: (entry: Entry) => Entry,
): StoryState {
  const index = state.entries.findIndex((e) => e.entryId === entryId);
  if (index < 0) return state;
  return { ...state, entries: state.entries.map((e, i) => (i === index ? change(e) : e)) };
}

function reportFigure(state: StoryState, event: StoryEventOf<'figure.reported'>): StoryState {
  const { figureId, label, unit, value, qualifier, source } = event.data;
  const claim: FigureClaim = {
    source: copySource(source),
    value,
    qualifier,
    reportedAt: event.occurredAt,
  };
  const index = state.figures.findIndex((f) => f.figureId === figureId);
  if (index < 0) {
    const figure: Figure = { figureId, label, unit, bySource: [claim] };
    return { ...state, figures: [...state.figures, figure] };
  }
  const figure = state.figures[index];
  // A source's new value replaces its old one where it stands: the order is that of first reports.
  const at = figure.bySource.findIndex((c) => c.source.name === source.name);
  const bySource =
    at < 0 ? [...figure.bySource, claim] : figure.bySource.map((c, i) => (i === at ? claim : c));
  const changed: Figure = { ...figure, label, unit, bySource };
  return { ...state, figures: state.figures.map((f, i) => (i === index ? changed : f)) };
}

function copySource(source: Source): Source {
  return source.url === undefined ? { name: source.name } : { name: source.name, url: source.url };
}

/** Instants are compared as times, not as text, so that any ISO-8601 spelling orders right. */
function compareInstants(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb)) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function unknownEvent(event: never): never {
  throw new Error(`cannot apply unknown event type ${(event as { type: unknown }).type}`);
}
