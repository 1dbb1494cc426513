import path from 'node:path';
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { createTestDatabase, expectEventually } from '@livefeed/common/testing';
import { PrivateNatsServer } from '@livefeed/messaging/testing/private-nats-server';
import { AppFleet, startApp, type AppProcess } from '../support/processes';
import { TcpProxy } from '../support/tcp-proxy';
import { request } from '../support/hostile';

/**
 * No secret in any log line (docs/security.md, "Secrets"): both apps run at `trace` through a whole
 * flow with known secrets — publisher tokens, the reader secret, reader tokens, a PostgreSQL
 * password and NATS passwords in the URLs — failures included (bad tokens, 401s and 403s, PostgreSQL
 * down mid-request, an app that cannot start), and every line they print is searched for them.
 */
jest.setTimeout(120_000);

const hex = (n: number) => randomBytes(n).toString('hex');
const SECRETS = {
  publisherToken: `pubtok${hex(12)}`,
  otherPublisherToken: `pubtok${hex(12)}`,
  readerSecret: `readersecret${hex(16)}`,
  dbPassword: `dbpw${hex(10)}`,
  natsIngest: `natsi${hex(10)}`,
  natsGateway: `natsg${hex(10)}`,
};
const readerJwt = jwt.sign(
  { stories: ['vault'], exp: Math.floor(Date.now() / 1000) + 600 },
  SECRETS.readerSecret,
);
const forgedJwt = jwt.sign({ stories: ['vault'] }, `forged${hex(16)}`);

const printed: string[] = [];
const onLine = (line: string) => printed.push(line);
const fleet = new AppFleet();
let nats: PrivateNatsServer;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pg: TcpProxy;
let ingest: AppProcess;
let gateway: AppProcess;
let env: Record<string, string>;

beforeAll(async () => {
  nats = await PrivateNatsServer.start({
    file: path.resolve(__dirname, '../../deploy/nats/nats-server.conf'),
    env: {
      LIVEFEED_NATS_PUBLISHER_PASSWORD: `natsp${hex(10)}`,
      LIVEFEED_NATS_INGEST_PASSWORD: SECRETS.natsIngest,
      LIVEFEED_NATS_GATEWAY_PASSWORD: SECRETS.natsGateway,
      LIVEFEED_NATS_ADMIN_PASSWORD: `natsa${hex(10)}`,
    },
  });
  db = await createTestDatabase();
  pg = new TcpProxy(5432);
  await pg.start();
  // The local PostgreSQL trusts its clients: the password travels, and is ignored.
  const dbUrl = new URL(db.url);
  dbUrl.password = SECRETS.dbPassword;
  dbUrl.port = String(pg.port);
  env = {
    DATABASE_URL: dbUrl.toString(),
    LIVEFEED_SUBJECT_ROOT: 'livefeed',
    LIVEFEED_PUBLISH_TOKENS: `${SECRETS.publisherToken},${SECRETS.otherPublisherToken}`,
    LIVEFEED_READER_SECRET: SECRETS.readerSecret,
    LIVEFEED_LOG_LEVEL: 'trace',
  };
  ingest = await fleet.start(
    'ingest',
    {
      ...env,
      NATS_URL: `nats://ingest:${SECRETS.natsIngest}@127.0.0.1:${nats.port}`,
      LIVEFEED_NATS_INBOX_PREFIX: '_INBOX_ingest',
    },
    { onLine },
  );
  gateway = await fleet.start(
    'gateway',
    {
      ...env,
      NATS_URL: `nats://gateway:${SECRETS.natsGateway}@127.0.0.1:${nats.port}`,
      LIVEFEED_NATS_INBOX_PREFIX: '_INBOX_gateway',
    },
    { onLine },
  );
});
afterAll(async () => {
  await fleet.stopAll();
  await pg?.cut();
  await nats?.destroy();
  await db?.drop();
});

const file = (storyId: string, body: object, token = SECRETS.publisherToken, query = '?wait=20') =>
  request(ingest.url, {
    method: 'POST',
    path: `/api/stories/${storyId}/reports${query}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const read = (p: string, token?: string) =>
  request(gateway.url, { path: p, headers: token ? { authorization: `Bearer ${token}` } : {} });

it('prints no secret in any log line through a whole flow, failures included', async () => {
  // Filing: accepted, rejected, invalid, and refused for every wrong token.
  expect(
    (
      await file('vault', {
        id: 'v1',
        type: 'story.opened',
        author: 'a',
        data: { title: 'V', visibility: 'private' },
      })
    ).status,
  ).toBe(201);
  expect(
    (await file('vault', { id: 'v1b', type: 'story.opened', author: 'a', data: { title: 'V' } }))
      .status,
  ).toBe(422);
  expect(
    (await file('vault', { id: 'v2', type: 'entry.posted', author: '', data: {} })).status,
  ).toBe(400);
  for (const wrong of [
    readerJwt,
    SECRETS.readerSecret,
    SECRETS.dbPassword,
    `${SECRETS.publisherToken}x`,
  ])
    expect(
      (await file('vault', { id: 'v3', type: 'story.closed', author: 'a', data: {} }, wrong))
        .status,
    ).toBe(401);
  expect(
    (
      await request(ingest.url, {
        path: '/api/reports/v1',
        headers: { authorization: `Bearer ${SECRETS.otherPublisherToken}` },
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await request(ingest.url, {
        path: '/api/reports/v1',
        headers: { authorization: `Bearer ${readerJwt}` },
      })
    ).status,
  ).toBe(401);

  // Reading: granted and refused, in the header and in the query.
  expect((await read('/api/stories/vault', readerJwt)).status).toBe(200);
  expect((await read(`/api/stories/vault?token=${readerJwt}`)).status).toBe(200);
  expect((await read('/api/stories/vault', forgedJwt)).status).toBe(403);
  expect((await read(`/api/stories/vault/events?token=${forgedJwt}`)).status).toBe(403);
  expect((await read(`/api/stories/vault?token=${readerJwt}&unknown=1`)).status).toBe(400);
  for (const token of [readerJwt, forgedJwt]) {
    const socket = io(gateway.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token },
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.timeout(10_000).emitWithAck('subscribe', { storyId: 'vault' });
    socket.close();
  }

  // PostgreSQL goes away under both apps, with requests in flight that carry tokens.
  await pg.cut();
  expect((await read(`/api/stories/vault?token=${readerJwt}&at=1`)).status).toBe(503);
  expect((await read('/api/stories/vault/events', readerJwt)).status).toBe(503);
  expect((await read('/health')).status).toBe(503);
  expect(
    (
      await file(
        'vault',
        { id: 'v4', type: 'story.closed', author: 'a', data: {} },
        SECRETS.publisherToken,
        '',
      )
    ).status,
  ).toBe(202);
  expect((await request(ingest.url, { path: '/health' })).status).toBe(503);
  // Apps that cannot start: PostgreSQL unreachable, then a wrong NATS password.
  await expect(
    startApp(
      'gateway',
      { ...env, NATS_URL: `nats://gateway:${SECRETS.natsGateway}@127.0.0.1:${nats.port}` },
      { onLine, timeoutMs: 15_000 },
    ),
  ).rejects.toThrow();
  await pg.restore();
  await expect(
    startApp(
      'ingest',
      { ...env, NATS_URL: `nats://ingest:wrong${SECRETS.natsIngest}@127.0.0.1:${nats.port}` },
      { onLine, timeoutMs: 8_000 },
    ),
  ).rejects.toThrow();
  await expectEventually(async () => expect((await read('/health')).status).toBe(200), {
    timeoutMs: 30_000,
  });
  await expectEventually(
    async () =>
      expect(
        (
          await request(ingest.url, {
            path: '/api/reports/v4',
            headers: { authorization: `Bearer ${SECRETS.publisherToken}` },
          })
        ).body,
      ).toContain('accepted'),
    { timeoutMs: 30_000 },
  );
  await fleet.stopAll();

  expect(printed.length).toBeGreaterThan(50);
  // Warnings and errors were logged on the way (the outage), so the search covered them too.
  expect(printed.some((line) => /"level":(40|50)/.test(line))).toBe(true);
  const forms = (secret: string) => [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
  ];
  const needles = [
    ...Object.values(SECRETS).flatMap(forms),
    readerJwt,
    readerJwt.split('.')[2],
    forgedJwt.split('.')[2],
  ];
  const leaks = printed.flatMap((line) =>
    needles
      .filter((n) => line.includes(n))
      .map((n) => `${n.slice(0, 12)}… in ${line.slice(0, 300)}`),
  );
  expect(leaks).toEqual([]);
  console.log(
    `secrets-in-logs: ${printed.length} log lines searched for ${needles.length} secrets: none found`,
  );
});
