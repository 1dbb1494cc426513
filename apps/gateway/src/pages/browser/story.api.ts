import type { StoryEvent } from '@livefeed/domain/event.schema';
import type { StoryState } from '@livefeed/domain/story.state';

/** A state with a page of its entries (`GET /api/stories/:id?entries=…`, docs/protocol.md, "HTTP"). */
export type PagedState = StoryState & { readonly next?: string | null };

export interface PageQuery {
  readonly at?: number;
  readonly entries?: number;
  readonly after?: string;
  readonly only?: 'highlights';
}

/** Why the read API refused: its error code (`not-found`, `forbidden`…) or `network`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway's read API, from a page on the gateway or from an embedding page elsewhere (CORS). */
export class StoryApi {
  constructor(
    private readonly base: string,
    private readonly storyId: string,
    private readonly token: string | null,
  ) {}

  state(query: PageQuery): Promise<PagedState> {
    const params = new URLSearchParams();
    if (query.at !== undefined) params.set('at', String(query.at));
    if (query.entries !== undefined) params.set('entries', String(query.entries));
    if (query.after !== undefined) params.set('after', query.after);
    if (query.only !== undefined) params.set('only', query.only);
    const search = params.size > 0 ? `?${params}` : '';
    return this.get<PagedState>(`/api/stories/${encodeURIComponent(this.storyId)}${search}`);
  }

  /** The note of the `story.closed` event that closed the story as of `version`, if it is near. */
  async closingNote(version: number): Promise<string | null> {
    const after = Math.max(0, version - 100);
    const page = await this.get<{ events: StoryEvent[] }>(
      `/api/stories/${encodeURIComponent(this.storyId)}/events?after=${after}&limit=${version - after}`,
    );
    for (let i = page.events.length - 1; i >= 0; i--) {
      const event = page.events[i];
      if (event.type === 'story.closed') return event.data.note ?? null;
      if (event.type === 'story.reopened') return null;
    }
    return null;
  }

  private async get<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
        credentials: 'omit',
      });
    } catch {
      throw new ApiError('network', 'the gateway cannot be reached from here');
    }
    const body = (await response.json().catch(() => null)) as
      (T & { error?: { code?: string; message?: string } }) | null;
    if (!response.ok || body === null) {
      throw new ApiError(
        body?.error?.code ?? 'unavailable',
        body?.error?.message ?? `the gateway answered ${response.status}`,
      );
    }
    return body;
  }
}
