import type { ServerResponse } from 'node:http';
import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request } from 'express';
import type { StoryPointInTime } from '@livefeed/event-store';
import { ENTRY_ID } from '@livefeed/domain';
import { AudienceService } from '../audience/audience.service';
import { ReaderTokenService } from '../auth/reader-token.service';
import { firstPage, pageOfEntries } from '../read-api/entries.page';
import { isStoryId, parsePointInTime } from '../read-api/read-params.schema';
import { StoryQueries } from '../read-api/story-queries.service';
import { ClosingNoteReader } from './closing-note.reader';
import {
  CONTENT_SECURITY_POLICY,
  errorPage,
  privateStoryPage,
  storyListPage,
  storyPage,
} from './pages.html';
import type { StoryView } from './render/story.render';

/** Entries the story page shows first; older ones load as the reader scrolls. */
const FIRST_ENTRIES = 100;
/** Entries of a page of older posts (`?after=`, for readers without script). */
const OLDER_ENTRIES = 100;

/**
 * The reader's pages (docs/protocol.md, "Pages"): the story list, and a story rendered on the
 * server from its projection (live), as it stood at a point in time (`?at=`, archived) or a page
 * of its older posts (`?after=`). Other query parameters (a campaign tag…) are ignored.
 */
@Controller()
export class PagesController {
  constructor(
    private readonly queries: StoryQueries,
    private readonly tokens: ReaderTokenService,
    private readonly closing: ClosingNoteReader,
    private readonly audience: AudienceService,
  ) {}

  @Get()
  async list(@Res({ passthrough: true }) res: ServerResponse): Promise<string> {
    pageHeaders(res);
    return storyListPage(await this.queries.list());
  }

  @Get('stories/:id')
  async story(
    @Param('id') id: unknown,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<string> {
    pageHeaders(res);
    if (!isStoryId(id)) return refuse(res, 404, 'There is no story with that address.');
    let at: StoryPointInTime | undefined;
    if (query.at !== undefined) {
      const parsed = typeof query.at === 'string' ? parsePointInTime(query.at) : null;
      if (!parsed?.ok)
        return refuse(
          res,
          400,
          'The point in time asked for (at=) is not a version or an ISO-8601 instant with a time zone.',
        );
      at = parsed.value;
    }
    const after = query.after;
    if (after !== undefined && (typeof after !== 'string' || !ENTRY_ID.test(after)))
      return refuse(res, 400, 'The page of older posts asked for (after=) is not an entry id.');
    const result = await this.queries.story(id, at, this.tokens.grantOf(undefined));
    if (!result.ok) {
      if (result.reason === 'forbidden') return privateStoryPage(id);
      return refuse(
        res,
        404,
        at === undefined
          ? 'This story does not exist.'
          : `This story did not exist yet at ${query.at as string}.`,
      );
    }
    const { state } = result;
    const closingNote =
      state.status === 'closed' ? await this.closing.noteAt(id, state.version) : null;
    const pageUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}/stories/${id}`;
    let view: StoryView;
    if (at !== undefined) {
      view = { state, closingNote, mode: 'archived' };
    } else if (typeof after === 'string') {
      const page = pageOfEntries(state, { entries: OLDER_ENTRIES, after });
      if (!page.ok) return refuse(res, 404, 'That post is not in this story.');
      view = {
        state,
        entries: page.state.entries,
        next: page.state.next,
        closingNote,
        mode: 'older',
      };
    } else {
      const { entries, next } = firstPage(state, FIRST_ENTRIES);
      view = { state, entries, next, closingNote, audience: this.audience.count(id), mode: 'live' };
    }
    return storyPage(view, pageUrl);
  }
}

function refuse(res: ServerResponse, status: number, message: string): string {
  res.statusCode = status;
  return errorPage(message, status);
}

function pageHeaders(res: ServerResponse): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}
