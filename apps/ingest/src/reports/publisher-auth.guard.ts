import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { CONFIG } from '../ingest.tokens';
import { HttpError, type Config } from '@livefeed/common';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer publisher tokens (LIVEFEED_PUBLISH_TOKENS) for every write API route, reads of outcomes
 * included; with none configured every request is refused.
 */
@Injectable()
export class PublisherAuthGuard implements CanActivate {
  private readonly tokens: Buffer[];
  constructor(@Inject(CONFIG) config: Config) {
    this.tokens = config.LIVEFEED_PUBLISH_TOKENS.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Compare digests in constant time so a token cannot be guessed byte by byte.
    const given = match ? digest(match[1]) : null;
    if (given && this.tokens.some((t) => timingSafeEqual(t, given))) return true;
    throw new HttpError(
      'unauthorized',
      'a valid publisher token is required: Authorization: Bearer <token>',
    );
  }
}
