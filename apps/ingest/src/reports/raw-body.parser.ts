import { HttpError } from '@livefeed/common';
import type { Request } from 'express';

/**
 * Reads the request body as bytes, refusing past `limit` with a clean 413. Express's own JSON
 * parser stops at 100 kB and builds objects we would have to walk again; reports need the bytes.
 */
export async function readRawBody(req: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new HttpError('payload-too-large', `a report is at most ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so the client reads our answer instead of a reset connection.
    if (size > limit) over = true;
    else chunks.push(chunk);
  }
  if (over) throw tooLarge();
  return Buffer.concat(chunks);
}
