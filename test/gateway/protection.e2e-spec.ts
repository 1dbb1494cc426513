import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { connectsFrom } from '../support/socket-origin';
import { expectEventually, GatewayHarness, SECRET, type Ack } from './gateway.harness';

jest.setTimeout(60_000);

const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };
const invalid = { ok: false, error: { code: 'invalid', message: expect.any(String) } };

describe('protection', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway(
      { LIVEFEED_ALLOWED_ORIGINS: 'https://news.example, https://other.example' },
      { maxSubscriptionsPerSocket: 5 },
    );
    await h.story('public-one', 1);
    await h.story('secret-one', 2, { visibility: 'private' });
  });

  afterAll(async () => {
    await h.close();
  });

  describe('private stories over socket.io', () => {
    /** Subscribes with `token`; proves nothing arrives while a granted reader gets a new event. */
    const refusedBy = async (token: string | undefined) => {
      const watcher = await h.reader(undefined, { token: h.token({ stories: ['secret-one'] }) });
      const head = (await watcher.subscribe('secret-one')) as Extract<Ack, { ok: true }>;
      const reader = await h.reader(undefined, { token });
      const ack = await reader.subscribe('secret-one', 0);
      await h.commit(h.posts('secret-one', 100 + Math.floor(Math.random() * 1e6), 1));
      await expectEventually(() =>
        expect(watcher.eventVersions('secret-one')).toEqual([head.version + 1]),
      );
      expect(reader.received).toEqual([]);
      return ack;
    };

    it('refuses a reader without a token and sends nothing', async () => {
      expect(await refusedBy(undefined)).toEqual(forbidden);
    });

    it('refuses a token for another story', async () => {
      expect(await refusedBy(h.token({ stories: ['public-one'] }))).toEqual(forbidden);
    });

    it('refuses an expired token', async () => {
      expect(
        await refusedBy(
          h.token({ stories: ['secret-one'], exp: Math.floor(Date.now() / 1000) - 5 }),
        ),
      ).toEqual(forbidden);
    });

    it('refuses an unsigned token (alg none)', async () => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const none = `${part({ alg: 'none', typ: 'JWT' })}.${part({ stories: ['secret-one'], exp: Math.floor(Date.now() / 1000) + 60 })}.`;
      expect(await refusedBy(none)).toEqual(forbidden);
    });

    it('refuses a token signed with another secret or algorithm', async () => {
      expect(
        await refusedBy(
          h.token({ stories: ['secret-one'] }, 'another-secret-that-is-long-enough-000'),
        ),
      ).toEqual(forbidden);
      expect(
        await refusedBy(jwt.sign({ stories: ['secret-one'] }, SECRET, { algorithm: 'HS512' })),
      ).toEqual(forbidden);
    });

    it('serves a reader whose token grants the story', async () => {
      const reader = await h.reader(undefined, {
        token: h.token({ stories: ['secret-one'] }, undefined, { expiresIn: 60 }),
      });
      expect(await reader.subscribe('secret-one', 0)).toMatchObject({
        ok: true,
        storyId: 'secret-one',
      });
      await expectEventually(() =>
        expect(reader.eventVersions('secret-one').slice(0, 3)).toEqual([1, 2, 3]),
      );
    });

    it('stops a private story when the token expires while connected', async () => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const reader = await h.reader(undefined, {
        token: h.token({ stories: ['secret-one'], exp }),
      });
      expect(await reader.subscribe('secret-one')).toMatchObject({ ok: true });
      const publicAck = (await reader.subscribe('public-one')) as Extract<Ack, { ok: true }>;
      expect(publicAck.ok).toBe(true);
      await expectEventually(
        () => expect(reader.received).toContainEqual({ kind: 'revoked', storyId: 'secret-one' }),
        { timeoutMs: 5000 },
      );
      const before = reader.of('secret-one').length;
      await h.commit(h.posts('secret-one', 5000, 1));
      await h.commit(h.posts('public-one', 5000, 1));
      await expectEventually(() =>
        expect(reader.eventVersions('public-one')).toEqual([publicAck.version + 1]),
      );
      expect(reader.of('secret-one')).toHaveLength(before);
      expect(await reader.subscribe('secret-one')).toEqual(forbidden);
    });

    it('serves no private story at all when the secret is too short', async () => {
      const weak = await h.startGateway({ LIVEFEED_READER_SECRET: 'short-secret' });
      try {
        const token = jwt.sign({ stories: ['secret-one'] }, 'short-secret', { algorithm: 'HS256' });
        const reader = await h.reader(weak, { token });
        expect(await reader.subscribe('secret-one')).toEqual(forbidden);
        expect((await fetch(`${h.url(weak)}/api/stories/secret-one?token=${token}`)).status).toBe(
          403,
        );
        expect(await reader.subscribe('public-one')).toMatchObject({ ok: true });
      } finally {
        h.gateways.splice(h.gateways.indexOf(weak), 1);
        await weak.close();
      }
    });
  });

  describe('malformed client messages', () => {
    it.each([
      ['a string', 'public-one'],
      ['an array', ['public-one', 1]],
      ['a number', 42],
      ['null', null],
      ['since as a string', { storyId: 'public-one', since: '5' }],
      ['a negative since', { storyId: 'public-one', since: -1 }],
      ['a fractional since', { storyId: 'public-one', since: 1.5 }],
      ['a huge since', { storyId: 'public-one', since: 1e308 }],
      ['an operator object as since', { storyId: 'public-one', since: { $gt: 0 } }],
      ['since null', { storyId: 'public-one', since: null }],
      ['a story id with capitals', { storyId: 'Public-One' }],
      ['a story id with a dot', { storyId: 'public.one' }],
      ['a story id too long', { storyId: 'a'.repeat(65) }],
      ['a story id object', { storyId: { $ne: null } }],
      ['no story id', { since: 1 }],
    ])('answers invalid to %s', async (_name, payload) => {
      const reader = await h.reader();
      expect(await reader.socket.timeout(5000).emitWithAck('subscribe', payload)).toEqual(invalid);
      expect(await reader.socket.timeout(5000).emitWithAck('unsubscribe', payload)).toMatchObject(
        typeof payload === 'object' &&
          payload !== null &&
          !Array.isArray(payload) &&
          (payload as { storyId?: unknown }).storyId === 'public-one'
          ? { ok: true }
          : invalid,
      );
    });

    it('survives messages without an ack, with extra arguments, or too big, and keeps serving', async () => {
      const reader = await h.reader();
      reader.socket.emit('subscribe', { storyId: 'public-one' });
      reader.socket.emit('subscribe');
      reader.socket.emit('subscribe', 'a', 'b', 'c');
      reader.socket.emit('unsubscribe');
      reader.socket.emit('no-such-message', { x: 1 });
      expect(await reader.socket.timeout(5000).emitWithAck('subscribe')).toEqual(invalid);
      expect(
        await reader.socket
          .timeout(5000)
          .emitWithAck('subscribe', { storyId: 'public-one' }, 'extra'),
      ).toEqual(invalid);
      expect(reader.received).toEqual([]);

      const big = await h.reader();
      const closed = new Promise((resolve) => big.socket.once('disconnect', resolve));
      big.socket.emit(
        'subscribe',
        { storyId: 'public-one', padding: 'x'.repeat(64 * 1024) },
        () => undefined,
      );
      await closed;

      const after = await h.reader();
      expect(await after.subscribe('public-one')).toMatchObject({ ok: true });
      expect((await fetch(`${h.url()}/health`)).status).toBe(200);
    });

    it('caps the stories one connection may follow', async () => {
      await Promise.all(
        ['cap-1', 'cap-2', 'cap-3', 'cap-4', 'cap-5', 'cap-6'].map((id) => h.story(id, 0)),
      );
      const reader = await h.reader();
      for (const id of ['cap-1', 'cap-2', 'cap-3', 'cap-4', 'cap-5'])
        expect(await reader.subscribe(id)).toMatchObject({ ok: true });
      expect(await reader.subscribe('cap-6')).toEqual(invalid);
      expect(await reader.subscribe('cap-5', 1)).toMatchObject({ ok: true });
      await reader.socket.emitWithAck('unsubscribe', { storyId: 'cap-1' });
      expect(await reader.subscribe('cap-6')).toMatchObject({ ok: true });
    });
  });

  describe('origins', () => {
    const connectFrom = (origin: string, transports: string[]) =>
      connectsFrom(h.url(), origin, transports, 5000);

    it.each([['websocket'], ['polling']])(
      'refuses a foreign origin over %s and admits a listed one',
      async (transport) => {
        expect(await connectFrom('https://evil.example', [transport])).toBe(false);
        expect(await connectFrom('https://news.example', [transport])).toBe(true);
      },
    );

    it('refuses a WebSocket upgrade from a foreign origin on a polling session', async () => {
      const upgradeFrom = async (origin: string) => {
        const handshake = await fetch(`${h.url()}/socket.io/?EIO=4&transport=polling`, {
          headers: { origin: 'https://news.example' },
        });
        const sid = /"sid":"([^"]+)"/.exec(await handshake.text())?.[1];
        expect(sid).toBeDefined();
        return new Promise<boolean>((resolve) => {
          const ws = new WebSocket(
            `ws://127.0.0.1:${h.gateways[0].port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
            { origin },
          );
          ws.once('open', () => {
            ws.close();
            resolve(true);
          });
          ws.once('error', () => resolve(false));
        });
      };
      expect(await upgradeFrom('https://evil.example')).toBe(false);
      expect(await upgradeFrom('https://other.example')).toBe(true);
    });
  });
});
