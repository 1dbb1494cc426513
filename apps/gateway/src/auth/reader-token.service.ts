import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { STORY_ID } from '@livefeed/domain';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.options';

/** What a reader may read beyond public stories. */
export interface ReaderGrant {
  readonly stories: ReadonlySet<string>;
  /** Epoch milliseconds; null when the token does not expire (or there is no token). */
  readonly expiresAt: number | null;
}

export const ANONYMOUS: ReaderGrant = { stories: new Set(), expiresAt: null };

/** HMAC keys shorter than the hash (32 bytes for SHA-256) are guessable offline from any token. */
export const MIN_SECRET_BYTES = 32;
const MAX_TOKEN_CHARS = 8 * 1024;

const claimsSchema = z.object({
  stories: z.array(z.string().regex(STORY_ID)).max(10_000),
  exp: z.number().optional(),
});

/**
 * Reader tokens: JWTs signed HS256 with LIVEFEED_READER_SECRET carrying `stories: [ids]`. Any other
 * algorithm (`none` included) is refused, `exp` is honoured, and with a secret under 32 bytes no
 * token is trusted at all, so private stories are served to nobody.
 */
@Injectable()
export class ReaderTokenService {
  private readonly secret: string;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.secret = config.LIVEFEED_READER_SECRET;
  }

  /** Whether private stories can be served at all. */
  get privateEnabled(): boolean {
    return Buffer.byteLength(this.secret, 'utf8') >= MIN_SECRET_BYTES;
  }

  /** The grant of a token; anything missing, malformed, forged or expired grants nothing. */
  grantOf(token: unknown, now = Date.now()): ReaderGrant {
    if (
      !this.privateEnabled ||
      typeof token !== 'string' ||
      token.length === 0 ||
      token.length > MAX_TOKEN_CHARS
    )
      return ANONYMOUS;
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.secret, {
        algorithms: ['HS256'],
        clockTimestamp: Math.floor(now / 1000),
      });
    } catch {
      return ANONYMOUS;
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return ANONYMOUS;
    return {
      stories: new Set(claims.data.stories),
      expiresAt: claims.data.exp === undefined ? null : claims.data.exp * 1000,
    };
  }

  /** Public stories to anyone; a private one to a live grant that names it. */
  mayRead(
    grant: ReaderGrant,
    storyId: string,
    visibility: 'public' | 'private',
    now = Date.now(),
  ): boolean {
    if (visibility === 'public') return true;
    if (!this.privateEnabled) return false;
    if (grant.expiresAt !== null && grant.expiresAt <= now) return false;
    return grant.stories.has(storyId);
  }
}
