import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { HttpError } from '@livefeed/common';

const JS = 'text/javascript; charset=utf-8';
const MAP = 'application/json; charset=utf-8';

/** What is served, and from which build's output folder (relative to the repository). */
const FILES: Record<string, { dir: string; type: string }> = {
  'livefeed-client.js': { dir: 'libs/client/dist', type: JS },
  'livefeed-client.js.map': { dir: 'libs/client/dist', type: MAP },
  'livefeed-client.mjs': { dir: 'libs/client/dist', type: JS },
  'livefeed-client.mjs.map': { dir: 'libs/client/dist', type: MAP },
  'reader.js': { dir: 'dist/pages', type: JS },
  'reader.js.map': { dir: 'dist/pages', type: MAP },
  'embed.js': { dir: 'dist/pages', type: JS },
  'embed.js.map': { dir: 'dist/pages', type: MAP },
  'pages.css': { dir: 'dist/pages', type: 'text/css; charset=utf-8' },
};

/** The repository, from the sources (apps/gateway/src/pages) or from the built app (dist/apps/gateway/…). */
function repositoryRoot(): string {
  const candidates = [
    join(__dirname, '..', '..', '..', '..'),
    join(__dirname, '..', '..', '..', '..', '..', '..', '..'),
    process.cwd(),
  ];
  // The built app's folder has a package.json of its own, but no node_modules.
  return (
    candidates.find(
      (dir) => existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules')),
    ) ?? process.cwd()
  );
}

/**
 * The browser bundles, once built (`npm run build`): the SDK at `/assets/livefeed-client.*`, the
 * pages' script and stylesheet at `/assets/reader.js` and `/assets/pages.css`, and the embed at
 * `/embed.js`, which any site may load (`Cross-Origin-Resource-Policy: cross-origin`).
 */
@Controller()
export class AssetsController {
  private readonly cache = new Map<string, Buffer>();
  private readonly root = repositoryRoot();

  @Get('assets/:file')
  asset(
    @Param('file') file: unknown,
    @Res({ passthrough: true }) res: ServerResponse,
  ): StreamableFile {
    return this.serve(file, res);
  }

  @Get('embed.js')
  embed(@Res({ passthrough: true }) res: ServerResponse): StreamableFile {
    return this.serve('embed.js', res);
  }

  private serve(file: unknown, res: ServerResponse): StreamableFile {
    if (typeof file !== 'string' || !Object.hasOwn(FILES, file)) {
      throw new HttpError('not-found', 'no such asset');
    }
    const { dir, type } = FILES[file];
    let body = this.cache.get(file);
    if (!body) {
      const path = join(this.root, dir, file);
      if (!existsSync(path)) throw new HttpError('not-found', 'no such asset (not built)');
      body = readFileSync(path);
      this.cache.set(file, body);
    }
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    // A Buffer returned as is would go out as JSON (`{"type":"Buffer","data":[…]}`).
    return new StreamableFile(body, { type, length: body.length });
  }
}
