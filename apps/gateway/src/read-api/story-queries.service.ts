import { Injectable } from '@nestjs/common';
import type { StoryEvent, StoryState } from '@livefeed/domain';
import { ReaderTokenService, type ReaderGrant } from '../auth/reader-token.service';
import { StoreReads } from '../infra/store-reads.repository';
import type { EntryHistory, StoryPointInTime, StorySummary } from '@livefeed/event-store';

type Visibility = StoryState['visibility'];

export interface EventsPage {
  readonly events: readonly StoryEvent[];
  readonly next: number | null;
}

/** How a response may be cached: `immutable` once it can never change, `private` for private stories. */
export interface Cacheability {
  readonly immutable: boolean;
  readonly private: boolean;
}

/** Why a query has no answer; the controller maps each reason to its HTTP status. */
export interface QueryRefusal {
  readonly ok: false;
  readonly reason: 'not-found' | 'forbidden';
  readonly message: string;
}
export type QueryResult<T> = ({ readonly ok: true } & T) | QueryRefusal;

const VISIBILITY_CACHE = 10_000;

/** The read API's logic (docs/protocol.md, "HTTP"); the controller only translates HTTP. */
@Injectable()
export class StoryQueries {
  /** A story's visibility never changes after `story.opened`: it is looked up once. */
  private readonly visibilities = new Map<string, Visibility>();

  constructor(
    private readonly reader: StoreReads,
    private readonly tokens: ReaderTokenService,
  ) {}

  list(): Promise<readonly StorySummary[]> {
    return this.reader.listStories();
  }

  async story(
    id: string,
    at: StoryPointInTime | undefined,
    grant: ReaderGrant,
  ): Promise<QueryResult<{ state: StoryState; cache: Cacheability }>> {
    const state =
      at === undefined ? await this.reader.getStory(id) : await this.reader.stateAt(id, at);
    if (state === null) {
      // A private story answers the same before it existed as after, or a reader without a grant
      // could find when it was opened.
      const visibility = at === undefined ? null : await this.visibility(id);
      const denied = visibility === null ? null : this.authorise(id, visibility, grant);
      if (denied) return denied;
      return refused(
        'not-found',
        at === undefined
          ? `story ${id} does not exist`
          : `story ${id} did not exist at ${describe(at)}`,
      );
    }
    this.remember(id, state.visibility);
    const denied = this.authorise(id, state.visibility, grant);
    if (denied) return denied;
    const immutable = at !== undefined && 'version' in at && state.version === at.version;
    return { ok: true, state, cache: { immutable, private: state.visibility === 'private' } };
  }

  /** Up to `limit` events after `after`; `next` is the last version returned when more exist. */
  async events(
    id: string,
    after: number,
    limit: number,
    grant: ReaderGrant,
  ): Promise<QueryResult<{ page: EventsPage; cache: Cacheability }>> {
    const readable = await this.readable(id, grant);
    if (!readable.ok) return readable;
    const { visibility } = readable;
    const rows = await this.reader.readEvents(id, after, limit + 1);
    const events = rows.slice(0, limit);
    const more = rows.length > limit;
    const next = more ? events[events.length - 1].version : null;
    // A full page with more after it can never change; the page at the head can (it grows).
    return {
      ok: true,
      page: { events, next },
      cache: { immutable: more, private: visibility === 'private' },
    };
  }

  /** Every event that touched an entry, oldest first; it grows, so it is never cached as final. */
  async entryHistory(
    id: string,
    entryId: string,
    grant: ReaderGrant,
  ): Promise<QueryResult<{ history: EntryHistory; cache: Cacheability }>> {
    const readable = await this.readable(id, grant);
    if (!readable.ok) return readable;
    const { visibility } = readable;
    const history = await this.reader.entryHistory(id, entryId);
    if (history === null)
      return refused('not-found', `entry ${entryId} does not exist in story ${id}`);
    return { ok: true, history, cache: { immutable: false, private: visibility === 'private' } };
  }

  /** The story's visibility, once it exists and `grant` may read it. */
  private async readable(
    id: string,
    grant: ReaderGrant,
  ): Promise<QueryResult<{ visibility: Visibility }>> {
    const visibility = await this.visibility(id);
    if (visibility === null) return refused('not-found', `story ${id} does not exist`);
    return this.authorise(id, visibility, grant) ?? { ok: true, visibility };
  }

  private authorise(id: string, visibility: Visibility, grant: ReaderGrant): QueryRefusal | null {
    if (this.tokens.mayRead(grant, id, visibility)) return null;
    return refused('forbidden', `story ${id} is private: a reader token granting it is required`);
  }

  private async visibility(id: string): Promise<Visibility | null> {
    const known = this.visibilities.get(id);
    if (known) return known;
    const [opened] = await this.reader.readEvents(id, 0, 1);
    if (!opened || opened.type !== 'story.opened') return null;
    this.remember(id, opened.data.visibility);
    return opened.data.visibility;
  }

  private remember(id: string, visibility: Visibility): void {
    if (this.visibilities.size >= VISIBILITY_CACHE)
      this.visibilities.delete(this.visibilities.keys().next().value as string);
    this.visibilities.set(id, visibility);
  }
}

function refused(reason: QueryRefusal['reason'], message: string): QueryRefusal {
  return { ok: false, reason, message };
}

function describe(at: StoryPointInTime): string {
  return 'version' in at ? `version ${at.version}` : at.instant;
}
