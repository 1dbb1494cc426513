import {
  evolve,
  type Entry,
  type Figure,
  type FigureClaim,
  type StoryEvent,
  type StoryState,
} from '@livefeed/domain';
import {
  toEntry,
  toFigures,
  toStoryState,
  type ClaimRow,
  type EntryRow,
  type FigureRow,
  type StoryRow,
} from '../rows';

/** What the batch read of one story: its row and only the entries and figures the batch names. */
export interface LoadedStory {
  readonly story: StoryRow | undefined;
  readonly entries: readonly EntryRow[];
  readonly figures: readonly FigureRow[];
  readonly claims: readonly ClaimRow[];
}

/** The rows one story's accepted events change, taken from the state `evolve` produced. */
export interface StoryChanges {
  readonly state: StoryState;
  readonly entries: ReadonlyArray<{ readonly entry: Entry; readonly postedVersion: number }>;
  readonly figures: ReadonlyArray<{ readonly figure: Figure; readonly firstVersion: number }>;
  readonly claims: ReadonlyArray<{
    readonly figureId: string;
    readonly claim: FigureClaim;
    readonly firstVersion: number;
  }>;
}

// figureId matches ^[a-z0-9-]+$, so a space cannot make two keys collide.
const claimKey = (figureId: string, sourceName: string) => `${figureId} ${sourceName}`;

/**
 * One story's state during a batch: a partial StoryState (the story row plus just the entries and figures
 * the batch names, which is all `decide` looks at) evolved event by event, so the next report of the
 * same story sees the previous one's effect. The rows written back are read off the evolved state, so
 * the projection is by construction what `evolve` says; the workspace only adds what StoryState does
 * not carry, the versions that order entries, figures and claims.
 */
export class StoryWorkspace {
  private current: StoryState | null;
  private readonly postedVersions = new Map<string, number>();
  private readonly figureVersions = new Map<string, number>();
  private readonly claimVersions = new Map<string, number>();
  private readonly touchedEntries = new Set<string>();
  private readonly touchedFigures = new Set<string>();
  private readonly touchedClaims = new Map<string, { figureId: string; sourceName: string }>();
  private changed = false;

  constructor(loaded: LoadedStory) {
    for (const e of loaded.entries) this.postedVersions.set(e.entry_id, e.posted_version);
    for (const f of loaded.figures) this.figureVersions.set(f.figure_id, f.first_version);
    for (const c of loaded.claims)
      this.claimVersions.set(claimKey(c.figure_id, c.source_name), c.first_version);
    this.current = loaded.story
      ? toStoryState(
          loaded.story,
          [...loaded.entries].sort(newestFirst).map(toEntry),
          toFigures(
            [...loaded.figures].sort((a, b) => a.first_version - b.first_version),
            [...loaded.claims].sort((a, b) => a.first_version - b.first_version),
          ),
        )
      : null;
  }

  /** The state `decide` sees: null while the story does not exist. */
  get state(): StoryState | null {
    return this.current;
  }

  /** Folds an accepted event in and remembers which rows it changed. */
  apply(event: StoryEvent): void {
    switch (event.type) {
      case 'entry.posted':
        this.postedVersions.set(event.data.entryId, event.version);
        this.touchedEntries.add(event.data.entryId);
        break;
      case 'entry.edited':
      case 'entry.retracted':
      case 'entry.pinned':
      case 'entry.unpinned':
        this.touchedEntries.add(event.data.entryId);
        break;
      case 'figure.reported': {
        const { figureId, source } = event.data;
        const key = claimKey(figureId, source.name);
        if (!this.figureVersions.has(figureId)) this.figureVersions.set(figureId, event.version);
        if (!this.claimVersions.has(key)) this.claimVersions.set(key, event.version);
        this.touchedFigures.add(figureId);
        this.touchedClaims.set(key, { figureId, sourceName: source.name });
        break;
      }
      case 'story.opened':
      case 'story.updated':
      case 'story.closed':
      case 'story.reopened':
        break;
      default:
        return unreachable(event);
    }
    this.current = evolve(this.current, event);
    this.changed = true;
  }

  /** The rows to write, or null when no event of this story was accepted. */
  changes(): StoryChanges | null {
    const state = this.current;
    if (!this.changed || state === null) return null;
    // Looked up by id, not searched: a rebuild touches every entry of a story at once.
    const entryById = new Map(state.entries.map((e) => [e.entryId, e]));
    const figureById = new Map(state.figures.map((f) => [f.figureId, f]));
    const entries = [...this.touchedEntries].map((entryId) => ({
      entry: required(entryById.get(entryId), `entry ${entryId}`),
      postedVersion: required(this.postedVersions.get(entryId), `posted version of ${entryId}`),
    }));
    const figures = [...this.touchedFigures].map((figureId) => ({
      figure: required(figureById.get(figureId), `figure ${figureId}`),
      firstVersion: required(this.figureVersions.get(figureId), `first version of ${figureId}`),
    }));
    const claims = [...this.touchedClaims].map(([key, { figureId, sourceName }]) => {
      const figure = required(figureById.get(figureId), `figure ${figureId}`);
      return {
        figureId,
        claim: required(
          figure.bySource.find((c) => c.source.name === sourceName),
          `claim ${key}`,
        ),
        firstVersion: required(this.claimVersions.get(key), `first version of ${key}`),
      };
    });
    return { state, entries, figures, claims };
  }
}

function newestFirst(a: EntryRow, b: EntryRow): number {
  return Date.parse(b.posted_at) - Date.parse(a.posted_at) || b.posted_version - a.posted_version;
}

function unreachable(event: never): never {
  throw new Error(`event-store: no projection for event ${JSON.stringify(event)}`);
}

function required<T>(value: T | undefined, what: string): T {
  // Only a disagreement between this workspace and evolve (a bug) gets here; failing the batch is safer
  // than writing a projection that differs from the log.
  if (value === undefined) throw new Error(`event-store: ${what} missing from the evolved state`);
  return value;
}
