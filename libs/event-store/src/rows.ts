import {
  upcastEventData,
  type Correction,
  type Entry,
  type EntryKind,
  type Figure,
  type Qualifier,
  type Source,
  type StoryEvent,
  type StoryState,
} from '@livefeed/domain';
import { isoFromJson } from './postgres/timestamps';

/** Rows as `Sql` returns them: timestamptz as ISO strings (see timestamps.ts), jsonb parsed, int8 as strings. */
export interface StoryRow {
  readonly id: string;
  readonly title: string;
  readonly summary: string | null;
  readonly status: 'live' | 'closed';
  readonly visibility: 'public' | 'private';
  readonly version: number;
  readonly opened_at: string;
  readonly updated_at: string;
}

export interface EntryRow {
  readonly story_id: string;
  readonly entry_id: string;
  readonly kind: EntryKind;
  readonly body: string | null;
  readonly author: string;
  /** The entry's sources; its `source` is the first of them. */
  readonly sources: Source[];
  readonly posted_at: string;
  readonly posted_version: number;
  readonly edited_at: string | null;
  readonly corrections: Correction[];
  readonly pinned: boolean;
  readonly retracted_reason: string | null;
  readonly retracted_at: string | null;
}

export interface FigureRow {
  readonly story_id: string;
  readonly figure_id: string;
  readonly label: string;
  readonly unit: string | null;
  readonly first_version: number;
}

export interface ClaimRow {
  readonly story_id: string;
  readonly figure_id: string;
  readonly source_name: string;
  readonly source: Source;
  readonly value: number;
  readonly qualifier: Qualifier;
  readonly reported_at: string;
  readonly first_version: number;
}

export interface EventRow {
  readonly story_id: string;
  readonly version: number;
  readonly type: string;
  /** The shape `data` was written in (1 for rows older than the column); see event.upcast.ts. */
  readonly schema_version: number;
  readonly data: Record<string, unknown>;
  readonly report_id: string;
  readonly author: string;
  readonly occurred_at: string;
  readonly recorded_at: string;
}

export function toEntry(row: EntryRow): Entry {
  return {
    entryId: row.entry_id,
    kind: row.kind,
    body: row.body,
    author: row.author,
    sources: row.sources,
    source: row.sources[0] ?? null,
    postedAt: row.posted_at,
    editedAt: row.edited_at,
    corrections: row.corrections,
    pinned: row.pinned,
    retracted:
      row.retracted_reason !== null && row.retracted_at !== null
        ? { reason: row.retracted_reason, at: row.retracted_at }
        : null,
  };
}

/** Figures with their claims; both lists must already be in display order (first_version). */
export function toFigures(figures: readonly FigureRow[], claims: readonly ClaimRow[]): Figure[] {
  const byFigure = new Map<string, ClaimRow[]>();
  for (const claim of claims) {
    const list = byFigure.get(claim.figure_id);
    if (list) list.push(claim);
    else byFigure.set(claim.figure_id, [claim]);
  }
  return figures.map((f) => ({
    figureId: f.figure_id,
    label: f.label,
    unit: f.unit,
    bySource: (byFigure.get(f.figure_id) ?? []).map((c) => ({
      source: c.source,
      value: c.value,
      qualifier: c.qualifier,
      reportedAt: c.reported_at,
    })),
  }));
}

export function toStoryState(
  story: StoryRow,
  entries: readonly Entry[],
  figures: readonly Figure[],
): StoryState {
  return {
    id: story.id,
    title: story.title,
    summary: story.summary,
    status: story.status,
    visibility: story.visibility,
    version: story.version,
    openedAt: story.opened_at,
    updatedAt: story.updated_at,
    entries,
    figures,
  };
}

/**
 * The one way from an events row to a StoryEvent: every read of the log goes through it, so every reader
 * gets today's shape of `data`, whatever release wrote the row (`upcastEventData`; the log itself is
 * never rewritten). Rows were written from StoryEvents by this library, so they are trusted on the way
 * back rather than re-validated: reads of the log are hot (catch-ups, replays, rebuilds).
 */
export function toStoryEvent(row: EventRow): StoryEvent {
  return {
    storyId: row.story_id,
    version: row.version,
    type: row.type,
    data: upgradedData(row),
    reportId: row.report_id,
    author: row.author,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  } as unknown as StoryEvent;
}

function upgradedData(row: EventRow): Record<string, unknown> {
  try {
    return upcastEventData(row.type, row.schema_version, row.data);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RangeError(
      `event-store: event ${row.version} of story ${row.story_id} cannot be read: ${reason}`,
      { cause: error },
    );
  }
}

/*
 * Rows that travelled inside json_agg: timestamptz there is printed as `…+00:00`, not as the column
 * parser gives it, so each instant is rewritten to the contract's form.
 */
export const storyFromJson = (s: StoryRow): StoryRow => ({
  ...s,
  opened_at: isoFromJson(s.opened_at),
  updated_at: isoFromJson(s.updated_at),
});
export const entryFromJson = (e: EntryRow): EntryRow => ({
  ...e,
  posted_at: isoFromJson(e.posted_at),
  edited_at: isoFromJson(e.edited_at),
  retracted_at: isoFromJson(e.retracted_at),
});
export const claimFromJson = (c: ClaimRow): ClaimRow => ({
  ...c,
  reported_at: isoFromJson(c.reported_at),
});

/** Some stories' projection rows as they come back from one `json_agg` a table. */
export interface ProjectionRowsJson {
  readonly stories: readonly StoryRow[];
  readonly entries: readonly EntryRow[];
  readonly figures: readonly FigureRow[];
  readonly claims: readonly ClaimRow[];
}

/** The rows of each story of `ids` (`story` undefined where it has no row yet), instants rewritten. */
export function rowsByStory(
  rows: ProjectionRowsJson,
  ids: readonly string[],
): Map<
  string,
  { story: StoryRow | undefined; entries: EntryRow[]; figures: FigureRow[]; claims: ClaimRow[] }
> {
  const byId = new Map(
    ids.map((id) => [
      id,
      {
        story: undefined as StoryRow | undefined,
        entries: [] as EntryRow[],
        figures: [] as FigureRow[],
        claims: [] as ClaimRow[],
      },
    ]),
  );
  const of = (id: string) => byId.get(id)!;
  for (const s of rows.stories) of(s.id).story = storyFromJson(s);
  for (const e of rows.entries) of(e.story_id).entries.push(entryFromJson(e));
  for (const f of rows.figures) of(f.story_id).figures.push(f);
  for (const c of rows.claims) of(c.story_id).claims.push(claimFromJson(c));
  return byId;
}

/** The events columns in EventRow's shape, for every SELECT of events (`e` is the table alias). */
export const EVENT_COLUMNS =
  'e.story_id, e.version, e.type, e.schema_version, e.data, e.report_id, e.author, e.occurred_at, e.recorded_at';
