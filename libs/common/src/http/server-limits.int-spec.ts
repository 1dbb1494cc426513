import { createServer, type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig } from '../config';
import { expectEventually } from '../testing';
import { answerClientErrors } from './client-error.listener';
import { applyServerLimits, serverLimitsOf } from './server-limits';

const silent = pino({ level: 'silent' });

describe('server limits', () => {
  let server: Server | undefined;
  const handled: string[] = [];
  afterEach(async () => {
    handled.length = 0;
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const serve = async (env: Record<string, string>) => {
    server = createServer((req, res) => {
      handled.push(req.url ?? '');
      res.end('ok');
    });
    answerClientErrors(server, silent);
    applyServerLimits(server, serverLimitsOf(loadConfig(env)), silent);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  /** A raw connection that records what it receives and whether it was closed. */
  const connect = async (port: number) => {
    const socket = net.connect(port, '127.0.0.1');
    const seen = { data: '', closed: false, socket };
    socket.on('data', (chunk: Buffer) => (seen.data += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => (seen.closed = true));
    await new Promise((resolve) => socket.once('connect', resolve));
    return seen;
  };

  it('sets timeouts against slow clients by default, well under Node’s own', async () => {
    await serve({});
    expect({
      headersTimeout: server!.headersTimeout,
      requestTimeout: server!.requestTimeout,
      keepAliveTimeout: server!.keepAliveTimeout,
    }).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 });
  });

  it('answers a client that sends nothing 408 in the error body once the headers are due', async () => {
    const port = await serve({ LIVEFEED_HTTP_HEADERS_TIMEOUT_MS: '1000' });
    const idle = await connect(port);
    const started = Date.now();
    await expectEventually(() => expect(idle.closed).toBe(true), { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(idle.data).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(idle.data.split('\r\n\r\n')[1])).toEqual({
      error: { code: 'timeout', message: 'the request took too long to arrive' },
    });
  });

  it('answers a connection over the per-address cap 429 and never hands its request on', async () => {
    const port = await serve({ LIVEFEED_MAX_CONNECTIONS_PER_IP: '2' });
    const first = await connect(port);
    const second = await connect(port);
    const third = await connect(port);
    third.socket.write('GET /refused HTTP/1.1\r\nHost: x\r\n\r\n');
    await expectEventually(() => expect(third.closed).toBe(true));
    expect(third.data).toMatch(/^HTTP\/1\.1 429 /);
    expect(JSON.parse(third.data.split('\r\n\r\n')[1])).toEqual({
      error: { code: 'too-many-connections', message: 'at most 2 connections from one address' },
    });
    first.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await expectEventually(() => expect(first.data).toMatch(/ok$/));
    expect(handled).toEqual(['/first']);

    // A closed connection frees its place.
    second.socket.destroy();
    await expectEventually(async () => {
      const fourth = await connect(port);
      fourth.socket.write('GET /fourth HTTP/1.1\r\nHost: x\r\n\r\n');
      await expectEventually(() => expect(fourth.data).toMatch(/ok$/), { timeoutMs: 1000 });
    });
    expect(handled).toContain('/fourth');
  });
});
