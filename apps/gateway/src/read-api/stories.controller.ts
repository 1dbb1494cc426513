import { Controller, Get, Headers, Param, Query, Res, UseFilters } from '@nestjs/common';
import type { StoryState } from '@livefeed/domain';
import type { ServerResponse as Response } from 'node:http';
import { ReaderTokenService, type ReaderGrant } from '../auth/reader-token.service';
import type { StorySummary } from '@livefeed/event-store';
import {
  DEFAULT_PAGE,
  eventsQuerySchema,
  isStoryId,
  parsePointInTime,
  parseQuery,
  storyQuerySchema,
} from './read-params.schema';
import { ReadErrorsFilter } from './read-errors.filter';
import { ReadError } from './read.error';
import { StoryQueries, type Cacheability, type EventsPage } from './story-queries.service';

const IMMUTABLE = 'max-age=31536000, immutable';

/** CONTRACT section 5, read side. Every parameter is validated before anything reaches a query. */
@Controller('api/stories')
@UseFilters(ReadErrorsFilter)
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
  ): Promise<StoryState> {
    const storyId = validId(id);
    const params = parseQuery(storyQuerySchema, query);
    if (!params.ok) throw new ReadError('invalid', params.message, params.fields);
    let at;
    if (params.value.at !== undefined) {
      at = parsePointInTime(params.value.at) ?? undefined;
      if (!at)
        throw new ReadError('invalid', 'invalid query parameters', {
          at: 'must be a version or an ISO-8601 instant with a time zone',
        });
    }
    const { state, cache } = await this.queries.story(
      storyId,
      at,
      this.grant(authorization, params.value.token),
    );
    setCaching(res, cache);
    return state;
  }

  @Get(':id/events')
  async events(
    @Param('id') id: unknown,
    @Query() query: unknown,
    @Headers('authorization') authorization: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EventsPage> {
    const storyId = validId(id);
    const params = parseQuery(eventsQuerySchema, query);
    if (!params.ok) throw new ReadError('invalid', params.message, params.fields);
    const { after = 0, limit = DEFAULT_PAGE, token } = params.value;
    const { page, cache } = await this.queries.events(
      storyId,
      after,
      limit,
      this.grant(authorization, token),
    );
    setCaching(res, cache);
    return page;
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
    throw new ReadError('invalid', 'invalid story id', {
      id: 'must match ^[a-z0-9][a-z0-9-]{0,63}$',
    });
  return id;
}

function setCaching(res: Response, cache: Cacheability): void {
  const scope = cache.private ? 'private' : 'public';
  res.setHeader(
    'Cache-Control',
    cache.immutable ? `${scope}, ${IMMUTABLE}` : `${cache.private ? 'private, ' : ''}no-cache`,
  );
  if (cache.private) res.setHeader('Vary', 'Authorization');
}
