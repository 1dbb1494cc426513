import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { answerProblems, hostileStackOfFile, report, request } from '../support/hostile';
import { connectsFrom } from '../support/socket-origin';

/**
 * With LIVEFEED_ALLOWED_ORIGINS set, browsers of other sites cannot open a socket (docs/security.md,
 * "Origins"): not over WebSocket, not over long-polling, not by upgrading a session opened from an
 * allowed origin, not by near-miss spellings of an allowed origin. Allowed origins work.
 */
jest.setTimeout(60_000);

const ALLOWED = 'https://news.example';
const FOREIGN = [
  'https://evil.example',
  'null',
  'http://news.example',
  'https://news.example:8443',
  'https://news.example.evil.example',
  'https://sub.news.example',
  'https://news.examplf',
  'file://',
];
const stack = hostileStackOfFile([['open-1', report('o1', 'story.opened', { title: 'Open' })]], {
  LIVEFEED_ALLOWED_ORIGINS: `${ALLOWED}, https://other.example`,
});

const viaClient = (origin: string, transport: 'websocket' | 'polling') =>
  connectsFrom(stack.gateway.url, origin, [transport], 10_000);

const handshake = (origin: string) =>
  request(stack.gateway.url, { path: '/socket.io/?EIO=4&transport=polling', headers: { origin } });

const upgrade = (origin: string, sid?: string) =>
  new Promise<boolean>((resolve) => {
    const ws = new WebSocket(
      `${stack.gateway.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket${sid ? `&sid=${sid}` : ''}`,
      { origin },
    );
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('error', () => resolve(false));
  });

describe.each(FOREIGN)('from %s', (origin) => {
  it('refuses a socket over WebSocket and over polling', async () => {
    expect(await viaClient(origin, 'websocket')).toBe(false);
    expect(await viaClient(origin, 'polling')).toBe(false);
    expect(await upgrade(origin)).toBe(false);
  });

  it('refuses the polling handshake with 403 in the error body', async () => {
    const answer = await handshake(origin);
    expect(answer.status).toBe(403);
    expect(answerProblems(answer)).toEqual([]);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'forbidden', message: 'origin not allowed' },
    });
  });
});

describe('a session opened from an allowed origin', () => {
  const open = async () => {
    const answer = await handshake(ALLOWED);
    expect(answer.status).toBe(200);
    return /"sid":"([^"]+)"/.exec(answer.body)![1];
  };

  it('cannot be polled, posted to or upgraded from a foreign origin', async () => {
    const sid = await open();
    const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', '40'],
    ] as const) {
      const answer = await request(stack.gateway.url, {
        method,
        path,
        body,
        headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      });
      expect({ method, status: answer.status }).toEqual({ method, status: 403 });
      expect(answerProblems(answer)).toEqual([]);
    }
    expect(await upgrade('https://evil.example', sid)).toBe(false);
    expect(await upgrade(ALLOWED, await open())).toBe(true);
  });
});

describe('allowed origins', () => {
  it.each([ALLOWED, 'https://other.example', 'HTTPS://NEWS.EXAMPLE', `${ALLOWED}/`])(
    'admit %s over both transports, and it reads a story',
    async (origin) => {
      expect(await viaClient(origin, 'websocket')).toBe(true);
      expect(await viaClient(origin, 'polling')).toBe(true);
      const socket = io(stack.gateway.url, {
        transports: ['polling'],
        extraHeaders: { origin },
        reconnection: false,
        forceNew: true,
      });
      expect(
        await socket.timeout(10_000).emitWithAck('subscribe', { storyId: 'open-1' }),
      ).toMatchObject({
        ok: true,
      });
      socket.close();
    },
  );

  it('lets the read API tell browsers which origins may read it', async () => {
    const allowed = await request(stack.gateway.url, {
      path: '/api/stories',
      headers: { origin: ALLOWED },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    const foreign = await request(stack.gateway.url, {
      path: '/api/stories',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
