import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { HttpError } from '@livefeed/common';

const FILES: Record<string, string> = {
  'livefeed-client.js': 'text/javascript; charset=utf-8',
  'livefeed-client.js.map': 'application/json; charset=utf-8',
  'livefeed-client.mjs': 'text/javascript; charset=utf-8',
  'livefeed-client.mjs.map': 'application/json; charset=utf-8',
};

/** Where `node libs/client/build.mjs` puts the bundles, from the sources or from the built app. */
function bundleDir(): string | null {
  const candidates = [
    join(__dirname, '..', '..', '..', '..', 'libs', 'client', 'dist'),
    join(__dirname, '..', '..', '..', '..', '..', '..', '..', 'libs', 'client', 'dist'),
    join(process.cwd(), 'libs', 'client', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'livefeed-client.js'))) ?? null;
}

/** Serves the subscriber SDK's browser bundles at `/assets/…` once they are built. */
@Controller('assets')
export class ClientBundleController {
  private readonly cache = new Map<string, Buffer>();
  private readonly dir = bundleDir();

  @Get(':file')
  file(
    @Param('file') file: unknown,
    @Res({ passthrough: true }) res: ServerResponse,
  ): StreamableFile {
    if (typeof file !== 'string' || !Object.hasOwn(FILES, file) || this.dir === null) {
      throw new HttpError('not-found', 'no such asset');
    }
    let body = this.cache.get(file);
    if (!body) {
      const path = join(this.dir, file);
      if (!existsSync(path)) throw new HttpError('not-found', 'no such asset');
      body = readFileSync(path);
      this.cache.set(file, body);
    }
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A Buffer returned as is would go out as JSON (`{"type":"Buffer","data":[…]}`).
    return new StreamableFile(body, { type: FILES[file], length: body.length });
  }
}
