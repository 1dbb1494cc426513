import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { io } from 'socket.io-client';
import { createTestDatabase, expectEventually } from '@livefeed/common/testing';
import { subjectsFor } from '@livefeed/common';
import { connectNats } from '@livefeed/messaging';
import { PrivateNatsServer } from '@livefeed/messaging/testing/private-nats-server';
import { AppFleet, type AppProcess } from '../support/processes';
import { PUBLISHER_TOKEN } from '../support/hostile';

/**
 * deploy/nats/nats-server.conf, the NATS configuration docker-compose runs, on a private server
 * (docs/security.md, "NATS users"): ingest and a gateway run as their own users end to end, and a
 * publisher may file reports and hear rejections, and nothing else: no events, no reading of any
 * stream, no consumers, no deleting.
 */
jest.setTimeout(120_000);

const CONFIG = path.resolve(__dirname, '../../deploy/nats/nats-server.conf');
// The server parses a $VARIABLE as a configuration value: letters and digits, a letter first (docs/security.md).
const password = () => `p${randomBytes(12).toString('hex')}`;
const PASSWORDS = {
  publisher: password(),
  ingest: password(),
  gateway: password(),
  admin: password(),
};
const subjects = subjectsFor('livefeed');
const enc = new TextEncoder();

let nats: PrivateNatsServer;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const fleet = new AppFleet();
let ingest: AppProcess;
let gateway: AppProcess;
const connections: NatsConnection[] = [];

const urlFor = (user: keyof typeof PASSWORDS) =>
  `nats://${user}:${encodeURIComponent(PASSWORDS[user])}@127.0.0.1:${nats.port}`;
async function as(user: keyof typeof PASSWORDS): Promise<NatsConnection> {
  const nc = await connectNats({
    url: urlFor(user),
    name: `test-${user}`,
    inboxPrefix: user === 'publisher' ? '_INBOX' : `_INBOX_${user}`,
  });
  connections.push(nc);
  return nc;
}
const manager = (nc: NatsConnection) => jetstreamManager(nc, { timeout: 2000, checkAPI: false });

beforeAll(async () => {
  nats = await PrivateNatsServer.start({
    file: CONFIG,
    env: {
      LIVEFEED_NATS_PUBLISHER_PASSWORD: PASSWORDS.publisher,
      LIVEFEED_NATS_INGEST_PASSWORD: PASSWORDS.ingest,
      LIVEFEED_NATS_GATEWAY_PASSWORD: PASSWORDS.gateway,
      LIVEFEED_NATS_ADMIN_PASSWORD: PASSWORDS.admin,
    },
  });
  db = await createTestDatabase();
  const env = {
    DATABASE_URL: db.url,
    LIVEFEED_SUBJECT_ROOT: 'livefeed',
    LIVEFEED_PUBLISH_TOKENS: PUBLISHER_TOKEN,
  };
  ingest = await fleet.start('ingest', {
    ...env,
    NATS_URL: urlFor('ingest'),
    LIVEFEED_NATS_INBOX_PREFIX: '_INBOX_ingest',
  });
  gateway = await fleet.start('gateway', {
    ...env,
    NATS_URL: urlFor('gateway'),
    LIVEFEED_NATS_INBOX_PREFIX: '_INBOX_gateway',
  });
});
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await fleet.stopAll();
  await nats?.destroy();
  await db?.drop();
});

const report = (id: string, storyId: string, type: string, data: object) =>
  enc.encode(JSON.stringify({ id, storyId, type, author: 'desk:nats', data }));

async function streamState(jsm: JetStreamManager) {
  const [reports, events] = await Promise.all([
    jsm.streams.info(subjects.reportsStream),
    jsm.streams.info(subjects.eventsStream),
  ]);
  return {
    reports: reports.state.last_seq,
    events: events.state.last_seq,
    consumers: reports.state.consumer_count + events.state.consumer_count,
  };
}

it('carries a report from a publisher through ingest and a gateway to a reader, each as its own user', async () => {
  const publisher = await as('publisher');
  const js = jetstream(publisher);
  const rejections: string[] = [];
  publisher.subscribe(subjects.rejectionsAll, {
    callback: (_err, msg) => {
      rejections.push(msg.json<{ reportId: string }>().reportId);
    },
  });
  await publisher.flush();
  await js.publish(
    subjects.reports('p1'),
    report('p1-open', 'p1', 'story.opened', { title: 'P1' }),
    { msgID: 'p1-open' },
  );
  await expectEventually(
    async () => expect((await fetch(`${gateway.url}/api/stories/p1`)).status).toBe(200),
    {
      timeoutMs: 20_000,
    },
  );

  const reader = io(gateway.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const versions: number[] = [];
  reader.on('event', (e: { version: number }) => versions.push(e.version));
  await new Promise<void>((resolve) => reader.once('connect', () => resolve()));
  expect(
    await reader.timeout(10_000).emitWithAck('subscribe', { storyId: 'p1', since: 1 }),
  ).toMatchObject({ ok: true });
  await js.publish(
    subjects.reports('p1'),
    report('p1-post', 'p1', 'entry.posted', { entryId: 'e1', body: '<p>hello</p>' }),
    { msgID: 'p1-post' },
  );
  await expectEventually(() => expect(versions).toEqual([2]), { timeoutMs: 20_000 });
  reader.close();

  await js.publish(
    subjects.reports('p1'),
    report('p1-again', 'p1', 'story.opened', { title: 'again' }),
  );
  await expectEventually(() => expect(rejections).toContain('p1-again'), { timeoutMs: 20_000 });

  // The write API files as ingest, and `?wait` hears the outcome.
  const res = await fetch(`${ingest.url}/api/stories/p2/reports?wait=20`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PUBLISHER_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'p2-open',
      type: 'story.opened',
      author: 'a',
      data: { title: 'P2' },
    }),
  });
  expect(await res.json()).toEqual({ reportId: 'p2-open', status: 'accepted', version: 1 });
});

describe('a publisher', () => {
  let publisher: NatsConnection;
  let jsm: JetStreamManager;
  let admin: JetStreamManager;
  beforeAll(async () => {
    publisher = await as('publisher');
    jsm = await manager(publisher);
    admin = await manager(await as('admin'));
  });

  it('cannot publish events, with or without JetStream', async () => {
    const before = await streamState(admin);
    const fake = enc.encode(
      JSON.stringify({ storyId: 'p1', version: 99, type: 'story.closed', data: {} }),
    );
    await expect(
      jetstream(publisher, { timeout: 2000 }).publish(subjects.events('p1'), fake),
    ).rejects.toThrow();
    publisher.publish(subjects.events('p1'), fake);
    await publisher.flush().catch(() => undefined);
    expect((await streamState(admin)).events).toBe(before.events);
  });

  it('cannot read the streams: no consumer, no message, no stream info', async () => {
    const before = await streamState(admin);
    for (const stream of [subjects.reportsStream, subjects.eventsStream]) {
      await expect(jsm.consumers.add(stream, { ack_policy: AckPolicy.None })).rejects.toThrow();
      await expect(
        jsm.consumers.add(stream, { durable_name: 'spy', ack_policy: AckPolicy.Explicit }),
      ).rejects.toThrow();
      await expect(jsm.streams.getMessage(stream, { seq: 1 })).rejects.toThrow();
      await expect(jsm.streams.info(stream)).rejects.toThrow();
    }
    expect((await streamState(admin)).consumers).toBe(before.consumers);
  });

  it('hears neither events nor what ingest and the gateways read on their inboxes', async () => {
    const heard: string[] = [];
    for (const subject of [
      subjects.eventsAll,
      subjects.reportsAll,
      '_INBOX_ingest.>',
      '_INBOX_gateway.>',
      '>',
    ]) {
      publisher.subscribe(subject, {
        callback: (_err, msg) => {
          if (msg) heard.push(msg.subject);
        },
      });
    }
    await publisher.flush().catch(() => undefined);
    const js = jetstream(await as('publisher'));
    await js.publish(
      subjects.reports('p1'),
      report('p1-spied', 'p1', 'entry.posted', { entryId: 'e2', body: '<p>x</p>' }),
    );
    await expectEventually(async () => {
      const res = await fetch(`${gateway.url}/api/stories/p1`);
      expect(((await res.json()) as { version: number }).version).toBe(3);
    });
    expect(heard).toEqual([]);
  });

  it('cannot delete or purge a stream', async () => {
    for (const stream of [subjects.reportsStream, subjects.eventsStream]) {
      await expect(jsm.streams.delete(stream)).rejects.toThrow();
      await expect(jsm.streams.purge(stream)).rejects.toThrow();
    }
    const state = await streamState(admin);
    expect(state.reports).toBeGreaterThan(0);
    expect(state.events).toBeGreaterThan(0);
  });
});

describe('the apps’ own users', () => {
  it('cannot delete streams, and a gateway cannot file reports or events', async () => {
    const ingestJsm = await manager(await as('ingest'));
    await expect(ingestJsm.streams.delete(subjects.reportsStream)).rejects.toThrow();
    await expect(ingestJsm.streams.purge(subjects.eventsStream)).rejects.toThrow();
    const gatewayNc = await as('gateway');
    const gatewayJsm = await manager(gatewayNc);
    await expect(gatewayJsm.streams.delete(subjects.eventsStream)).rejects.toThrow();
    await expect(gatewayJsm.streams.info(subjects.reportsStream)).rejects.toThrow();
    const js = jetstream(gatewayNc, { timeout: 2000 });
    await expect(
      js.publish(subjects.reports('p1'), report('gw', 'p1', 'story.closed', {})),
    ).rejects.toThrow();
    await expect(js.publish(subjects.events('p1'), enc.encode('{}'))).rejects.toThrow();
  });

  it('refuses a wrong password', async () => {
    await expect(
      (async () => {
        const { connect } = await import('@nats-io/transport-node');
        const nc = await connect({
          servers: `127.0.0.1:${nats.port}`,
          user: 'ingest',
          pass: 'wrong',
          timeout: 2000,
        });
        await nc.close();
      })(),
    ).rejects.toThrow(/Authorization/i);
  });

  it('are all the apps needed: neither met a permissions violation', () => {
    for (const app of [ingest, gateway])
      expect(app.lines.filter((line) => /permission|authorization/i.test(line))).toEqual([]);
  });

  it('is the configuration docker-compose.yml runs', () => {
    const compose = readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8');
    expect(compose).toContain('./deploy/nats/nats-server.conf:/etc/nats/nats-server.conf');
    expect(compose).toContain('LIVEFEED_NATS_INBOX_PREFIX: _INBOX_ingest');
    expect(compose).toContain('LIVEFEED_NATS_INBOX_PREFIX: _INBOX_gateway');
  });
});
