import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { StoryState } from '@livefeed/domain';
import type { ServerResponse as Response } from 'node:http';
import { HttpError } from '@livefeed/common';
import { ReaderTokenService, type ReaderGrant } from '../auth/reader-token.service';
import type { EntryHistory, StorySummary } from '@livefeed/event-store';
import { pageOfEntries, type PagedStoryState } from './entries.page';
import {
  DEFAULT_PAGE,
  eventsQuerySchema,
  historyQuerySchema,
  isEntryId,
  isStoryId,
  parseQuery,
  storyQuerySchema,
  type ParsedQuery,
} from './read-params.schema';
import {
  StoryQueries,
  type Cacheability,
  type EventsPage,
  type QueryResult,
} from './story-queries.service';

const IMMUTABLE = 'max-age=31536000, immutable';

/**
 * docs/protocol.md, "HTTP", read side. Every parameter is validated before anything reaches a query;
 * errors are thrown as {@link HttpError} and written by the app's global error filter.
 */
@Controller('api/stories')
export class StoriesController {
  constructor(
    private readonly queries: StoryQueries,
    private readonly tokens: ReaderTokenService,
  ) {}

  @Get()
  async list(@Res({ passthrough: true }) res: Response): Promise<readonly StorySummary[]> {
    res.setHeader('Cache-Control', 'no-cache');
    return this.queries.list();
  }

  @Get(':id')
  async story(
    @Param('id') id: unknown,
    @Query() query: unknown,
    @Headers('authorization') authorization: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StoryState | PagedStoryState> {
    const storyId = validId(id);
    const { at, token, entries, after, only } = valid(parseQuery(storyQuerySchema, query));
    const { state, cache } = answered(
      await this.queries.story(storyId, at, this.grant(authorization, token)),
    );
    if (entries === undefined) {
      setCaching(res, cache);
      return state;
    }
    const paged = pageOfEntries(state, { entries, after, only });
    if (!paged.ok) throw new HttpError('not-found', paged.message);
    setCaching(res, cache);
    return paged.state;
  }

  @Get(':id/events')
  async events(
    @Param('id') id: unknown,
    @Query() query: unknown,
    @Headers('authorization') authorization: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EventsPage> {
    const storyId = validId(id);
    const { after = 0, limit = DEFAULT_PAGE, token } = valid(parseQuery(eventsQuerySchema, query));
    const { page, cache } = answered(
      await this.queries.events(storyId, after, limit, this.grant(authorization, token)),
    );
    setCaching(res, cache);
    return page;
  }

  @Get(':id/entries/:entryId/history')
  async entryHistory(
    @Param('id') id: unknown,
    @Param('entryId') entryId: unknown,
    @Query() query: unknown,
    @Headers('authorization') authorization: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EntryHistory> {
    const storyId = validId(id);
    if (!isEntryId(entryId))
      throw new HttpError('invalid', 'invalid entry id', [
        { path: 'entryId', message: 'must match ^[A-Za-z0-9_-]{1,64}$' },
      ]);
    const { token } = valid(parseQuery(historyQuerySchema, query));
    const { history, cache } = answered(
      await this.queries.entryHistory(storyId, entryId, this.grant(authorization, token)),
    );
    setCaching(res, cache);
    return history;
  }

  /** `Authorization: Bearer <token>` wins over `?token=`. */
  private grant(authorization: unknown, queryToken: string | undefined): ReaderGrant {
    const bearer =
      typeof authorization === 'string'
        ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
        : undefined;
    return this.tokens.grantOf(bearer ?? queryToken);
  }
}

function validId(id: unknown): string {
  if (!isStoryId(id))
    throw new HttpError('invalid', 'invalid story id', [
      { path: 'id', message: 'must match ^[a-z0-9][a-z0-9-]{0,63}$' },
    ]);
  return id;
}

function valid<T>(params: ParsedQuery<T>): T {
  if (!params.ok) throw new HttpError('invalid', params.message, params.fields);
  return params.value;
}

function answered<T>(result: QueryResult<T>): T {
  if (!result.ok) throw new HttpError(result.reason, result.message);
  return result;
}

function setCaching(res: Response, cache: Cacheability): void {
  const scope = cache.private ? 'private' : 'public';
  res.setHeader(
    'Cache-Control',
    cache.immutable ? `${scope}, ${IMMUTABLE}` : `${cache.private ? 'private, ' : ''}no-cache`,
  );
  if (cache.private) res.setHeader('Vary', 'Authorization');
}
