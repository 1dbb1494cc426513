import { createServer } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjectsFor } from '@livefeed/common';
import { expectEventually, uniqueSubjectRoot } from '@livefeed/common/testing';
import { EventFeed } from './event.feed';
import { connectNats, isNatsHealthy, type NatsStatus } from './nats.connection';
import { EventPublisher, ReportPublisher } from './story.publishers';
import { ReportConsumer } from './report.consumer';
import { ensureStreams } from './story.streams';
import { entryPosted } from './testing/events';
import { PrivateNatsServer } from './testing/private-nats-server';

jest.setTimeout(60_000);

/** These tests stop and restart NATS, so they run against a nats-server of their own. */
describe('when NATS restarts', () => {
  let server: PrivateNatsServer;
  const connections: NatsConnection[] = [];
  const connectTo = async (onStatus?: (s: NatsStatus) => void) => {
    const nc = await connectNats({
      url: server.url,
      name: 'restart-test',
      onStatus,
      reconnectTimeWaitMs: 200,
    });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await PrivateNatsServer.start();
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
  });
  afterAll(() => server.destroy());

  it('reports the outage, is unhealthy during it, and reconnects', async () => {
    const statuses: string[] = [];
    const nc = await connectTo((s) => statuses.push(s.type));
    expect(await isNatsHealthy(nc)).toBe(true);

    await server.stop();
    await expectEventually(async () => expect(await isNatsHealthy(nc, 200)).toBe(false));
    expect(statuses).toContain('disconnect');

    await server.restart();
    await expectEventually(async () => expect(await isNatsHealthy(nc)).toBe(true));
    expect(statuses).toContain('reconnect');

    await nc.close();
    expect(await isNatsHealthy(nc)).toBe(false);
  });

  it('keeps trying longer than the 10 attempts nats.js gives up after by default', async () => {
    let attempts = 0;
    const nc = await connectTo((s) => {
      if (s.type === 'reconnecting') attempts++;
    });

    await server.stop();
    await expectEventually(() => expect(attempts).toBeGreaterThan(15), { timeoutMs: 30_000 });
    await server.restart();

    await expectEventually(async () => expect(await isNatsHealthy(nc)).toBe(true));
  });

  it('keeps trying to connect when NATS is not up yet, past 10 attempts', async () => {
    await server.stop();
    // A stand-in that hangs up on every connection counts the client's attempts.
    let attempts = 0;
    const refuser = createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(server.port, '127.0.0.1', resolve));
    const connecting = connectTo();

    await expectEventually(() => expect(attempts).toBeGreaterThan(12), { timeoutMs: 30_000 });
    await new Promise((resolve) => refuser.close(resolve));
    await server.restart();

    expect(await isNatsHealthy(await connecting)).toBe(true);
  });

  it('the report consumer and the event feed carry on, losing and repeating nothing', async () => {
    const nc = await connectTo();
    const subjects = subjectsFor(uniqueSubjectRoot());
    await ensureStreams(nc, subjects);
    const reports = new ReportPublisher(nc, subjects);
    const events = new EventPublisher(nc, subjects);
    const bytes = (id: string) => new TextEncoder().encode(JSON.stringify({ id }));

    const reportIds: string[] = [];
    const consumer = new ReportConsumer(nc, subjects, {
      batchSize: 10,
      maxWaitMs: 5,
      handler: async (batch) => batch.forEach((r) => (reportIds.push(r.msgId ?? ''), r.ack())),
    });
    const versions: number[] = [];
    const feed = new EventFeed(nc, subjects);
    feed.onEvent((e) => versions.push(e.version));
    await Promise.all([consumer.start(), feed.start()]);

    await reports.publishReport('story', bytes('before'), 'before');
    await events.publishEvent(entryPosted('story', 1));
    await expectEventually(() => expect([reportIds, versions]).toEqual([['before'], [1]]));

    await server.restart();
    await expectEventually(async () => expect(await isNatsHealthy(nc)).toBe(true));
    // Publishing is retried until JetStream is back; the message ids make the retries harmless.
    await expectEventually(() => reports.publishReport('story', bytes('after'), 'after'), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    await expectEventually(() => events.publishEvent(entryPosted('story', 2)), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });

    await expectEventually(
      () =>
        expect([reportIds, versions]).toEqual([
          ['before', 'after'],
          [1, 2],
        ]),
      { timeoutMs: 20_000 },
    );
    await expectEventually(async () => expect(await consumer.pending()).toBe(0));
    await Promise.all([consumer.stop(), feed.stop()]);
  });
});
