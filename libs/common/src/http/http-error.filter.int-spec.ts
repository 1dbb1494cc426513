import { NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { HttpError } from './http-error';
import { HttpErrorFilter } from './http-error.filter';

/** Serves every request by handing `thrown()` to the filter, as Nest would after a route threw. */
async function serve(filter: HttpErrorFilter, thrown: () => unknown): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const host = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ArgumentsHost;
    filter.catch(thrown(), host);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('the HTTP error filter', () => {
  const logged: { level: number; msg: string }[] = [];
  const logger = pino(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    }),
  );
  const unavailable = new Error('connect ECONNREFUSED');
  const filter = new HttpErrorFilter(logger, (e) =>
    e === unavailable ? new HttpError('unavailable', 'retry later') : null,
  );
  let server: Server | undefined;
  afterEach(async () => {
    logged.length = 0;
    await new Promise((resolve) => server?.close(resolve));
  });
  const answer = async (thrown: () => unknown) => {
    server = await serve(filter, thrown);
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
    return { res, body: (await res.json()) as unknown };
  };

  it('writes an HttpError with its status, code, message and fields', async () => {
    const { res, body } = await answer(
      () => new HttpError('invalid', 'bad', [{ path: 'data.body', message: 'required' }]),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      error: {
        code: 'invalid',
        message: 'bad',
        fields: [{ path: 'data.body', message: 'required' }],
      },
    });
    expect(logged).toEqual([]);
  });

  it("writes Nest's own exceptions in the same shape", async () => {
    const { res, body } = await answer(() => new NotFoundException('Cannot GET /x'));
    expect(res.status).toBe(404);
    expect(body).toEqual({ error: { code: 'not-found', message: 'Cannot GET /x' } });
  });

  it('answers 503 with Retry-After only for what the app calls unavailable, logged as a warning', async () => {
    const { res, body } = await answer(() => unavailable);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(body).toEqual({ error: { code: 'unavailable', message: 'retry later' } });
    expect(logged.map((l) => l.level)).toEqual([40]);
  });

  it('answers any other error 500 internal without its detail, logged as an error', async () => {
    const { res, body } = await answer(() => new RangeError('secret detail'));
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(body).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(logged).toEqual([expect.objectContaining({ level: 50, msg: 'request failed' })]);
  });
});
