import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Controller, Get, Inject, Param, Req, Res, StreamableFile } from '@nestjs/common';
import type { Request } from 'express';
import { type Config, HttpError } from '@livefeed/common';
import { CONFIG } from '../ingest.tokens';
import { consolePage, consoleSecurityPolicy } from './console.page';

const ASSETS: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.js.map': 'application/json; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** Where `node apps/ingest/browser/build.mjs` puts the console's assets, from the built app or the sources. */
function assetDir(): string | null {
  const candidates = [
    join(__dirname, '..', '..', '..', '..', '..', '..', 'dist', 'browser', 'console'),
    join(process.cwd(), 'dist', 'browser', 'console'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'console.js'))) ?? null;
}

const HOSTNAME = /^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]{2,45}\]$/;

/** The newsroom console (docs/protocol.md, "Pages"): the page at `/console` and its assets. */
@Controller('console')
export class ConsoleController {
  private readonly dir = assetDir();
  private readonly cache = new Map<string, Buffer>();

  constructor(@Inject(CONFIG) private readonly config: Config) {}

  @Get()
  page(@Req() req: Request, @Res({ passthrough: true }) res: ServerResponse): string {
    const gateway = this.gatewayOrigin(req);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', consoleSecurityPolicy(gateway));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    return consolePage(gateway);
  }

  @Get('assets/:file')
  asset(
    @Param('file') file: unknown,
    @Res({ passthrough: true }) res: ServerResponse,
  ): StreamableFile {
    if (typeof file !== 'string' || !Object.hasOwn(ASSETS, file) || this.dir === null)
      throw new HttpError('not-found', 'no such asset');
    let body = this.cache.get(file);
    if (!body) {
      const path = join(this.dir, file);
      if (!existsSync(path)) throw new HttpError('not-found', 'no such asset');
      body = readFileSync(path);
      this.cache.set(file, body);
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(body, { type: ASSETS[file], length: body.length });
  }

  /**
   * The gateway the page talks to: LIVEFEED_GATEWAY_URL when set, else the host this page was asked
   * for at the gateway's port (both apps on one host, as `npm start` runs them).
   */
  private gatewayOrigin(req: Request): string {
    if (this.config.LIVEFEED_GATEWAY_URL) return new URL(this.config.LIVEFEED_GATEWAY_URL).origin;
    const host = req.hostname;
    const name = HOSTNAME.test(host) ? host : '127.0.0.1';
    return `${req.protocol === 'https' ? 'https' : 'http'}://${name}:${this.config.GATEWAY_PORT}`;
  }
}
