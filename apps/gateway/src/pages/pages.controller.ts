import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { isStoryId } from '../read-api/read-params.schema';
import { HttpError } from '@livefeed/common';
import { StoryQueries } from '../read-api/story-queries.service';
import { contentSecurityPolicy, readerPage, storyListPage } from './pages.html';

/** The reader's HTML pages (docs/protocol.md, "HTTP"): the story list and a story's live page. */
@Controller()
export class PagesController {
  constructor(private readonly queries: StoryQueries) {}

  @Get()
  async list(@Res({ passthrough: true }) res: ServerResponse): Promise<string> {
    html(res, randomBytes(16).toString('base64'));
    return storyListPage(await this.queries.list());
  }

  @Get('stories/:id')
  story(@Param('id') id: unknown, @Res({ passthrough: true }) res: ServerResponse): string {
    if (!isStoryId(id)) throw new HttpError('not-found', 'no such story');
    const nonce = randomBytes(16).toString('base64');
    html(res, nonce);
    return readerPage(id, nonce);
  }
}

function html(res: ServerResponse, nonce: string): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}
