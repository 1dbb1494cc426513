import { nanos } from '@nats-io/nats-core';
import { expectEventually, expectThroughout } from '@livefeed/common/testing';
import type { InboundReport } from './inbound.report';
import { ReportConsumer, type ReportConsumerOptions } from './report.consumer';
import { ensureStreams } from './story.streams';
import { openTestNats, type TestNats } from './testing/nats.fixture';
import { publishReports, reportId } from './testing/reports';

jest.setTimeout(30_000);

describe('ReportConsumer', () => {
  let t: TestNats;
  const running: ReportConsumer[] = [];
  const errors: Array<{ error: Error; context: string }> = [];

  function consumer(
    options: Partial<ReportConsumerOptions> & Pick<ReportConsumerOptions, 'handler'>,
    nc = t.nc,
  ): ReportConsumer {
    const c = new ReportConsumer(nc, t.subjects, {
      batchSize: 20,
      maxWaitMs: 10,
      onError: (error, context) => errors.push({ error, context }),
      ...options,
    });
    running.push(c);
    return c;
  }
  const ackAll = async (reports: InboundReport[]) => reports.forEach((r) => r.ack());

  beforeEach(async () => {
    errors.length = 0;
    t = await openTestNats();
    await ensureStreams(t.nc, t.subjects);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await t.close();
  });

  it('creates a durable pull consumer with explicit acks that never gives up redelivering', async () => {
    await consumer({ durable: 'ingest', ackWaitMs: 30_000, handler: ackAll }).start();

    const { config } = await t.jsm.consumers.info(t.subjects.reportsStream, 'ingest');
    expect(config).toMatchObject({
      durable_name: 'ingest',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      max_deliver: -1,
      ack_wait: nanos(30_000),
    });
    expect(config.deliver_subject).toBeUndefined();
    expect(config.max_ack_pending).toBeGreaterThanOrEqual(1000);
  });

  it('updates the durable consumer when a worker starts with new settings', async () => {
    await consumer({ durable: 'ingest', ackWaitMs: 30_000, handler: ackAll }).start();
    await consumer({
      durable: 'ingest',
      ackWaitMs: 45_000,
      maxAckPending: 4321,
      handler: ackAll,
    }).start();

    const { config } = await t.jsm.consumers.info(t.subjects.reportsStream, 'ingest');
    expect(config).toMatchObject({ ack_wait: nanos(45_000), max_ack_pending: 4321 });
  });

  it('hands reports over in batches of at most batchSize and acks them', async () => {
    await publishReports(t.nc, t.subjects, 45);
    const batches: number[] = [];
    const c = consumer({
      handler: async (reports) => {
        batches.push(reports.length);
        reports.forEach((r) => r.ack());
      },
    });

    await c.start();

    await expectEventually(() => expect(batches.reduce((a, b) => a + b, 0)).toBe(45));
    expect(Math.max(...batches)).toBeLessThanOrEqual(20);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    await expectEventually(async () => expect(await c.pending()).toBe(0));
  });

  it('describes each report by subject, story, data, stream sequence, delivery count and message id', async () => {
    const [id] = await publishReports(t.nc, t.subjects, 1);
    const seen: InboundReport[] = [];
    await consumer({
      handler: async (reports) => reports.forEach((r) => (seen.push(r), r.ack())),
    }).start();

    await expectEventually(() => expect(seen).toHaveLength(1));
    const [report] = seen;
    expect(report).toMatchObject({
      subject: `${t.subjects.root}.reports.story-0`,
      storyId: 'story-0',
      seq: 1,
      deliveryCount: 1,
      msgId: id,
    });
    expect(reportId(report.data)).toBe(id);
  });

  it('redelivers a nak’d report after the requested delay with a higher delivery count', async () => {
    await publishReports(t.nc, t.subjects, 1);
    const deliveries: Array<{ at: number; count: number }> = [];
    await consumer({
      handler: async ([report]) => {
        deliveries.push({ at: Date.now(), count: report.deliveryCount });
        if (deliveries.length === 1) report.nak(600);
        else report.ack();
      },
    }).start();

    await expectEventually(() => expect(deliveries).toHaveLength(2));
    expect(deliveries.map((d) => d.count)).toEqual([1, 2]);
    expect(deliveries[1].at - deliveries[0].at).toBeGreaterThanOrEqual(550);
  });

  it('naks what the handler leaves unsettled, so it comes back', async () => {
    await publishReports(t.nc, t.subjects, 1);
    const counts: number[] = [];
    await consumer({
      handler: async ([report]) => {
        counts.push(report.deliveryCount);
        if (report.deliveryCount > 1) report.ack();
      },
    }).start();

    await expectEventually(() => expect(counts).toEqual([1, 2]));
  });

  it('never redelivers a terminated report', async () => {
    const [poison] = await publishReports(t.nc, t.subjects, 1, 'poison');
    const seen: string[] = [];
    const c = consumer({
      handler: async (reports) => {
        for (const r of reports) {
          seen.push(reportId(r.data));
          if (reportId(r.data) === poison) r.term();
          else r.ack();
        }
      },
    });
    await c.start();
    await expectEventually(() => expect(seen).toEqual([poison]));

    // A later report getting through shows the runner is live and has not seen the poison again.
    const [later] = await publishReports(t.nc, t.subjects, 1, 'later');
    await expectEventually(() => expect(seen).toEqual([poison, later]));
    await expectEventually(async () => expect(await c.pending()).toBe(0));
  });

  it('lets two workers on one durable split the work without losing a report', async () => {
    const ids = await publishReports(t.nc, t.subjects, 2000);
    const byWorker = [new Set<string>(), new Set<string>()];
    const worker = (n: number) => async (reports: InboundReport[]) => {
      // Stands in for the database transaction, so that both workers get to pull.
      await new Promise((resolve) => setTimeout(resolve, 2));
      for (const r of reports) {
        byWorker[n].add(reportId(r.data));
        r.ack();
      }
    };
    const other = await t.connect('second-worker');

    await Promise.all([
      consumer({ batchSize: 50, handler: worker(0) }).start(),
      consumer({ batchSize: 50, handler: worker(1) }, other).start(),
    ]);

    await expectEventually(() =>
      expect(new Set([...byWorker[0], ...byWorker[1]]).size).toBe(ids.length),
    );
    expect(byWorker[0].size).toBeGreaterThan(0);
    expect(byWorker[1].size).toBeGreaterThan(0);
    await expectEventually(async () => expect(await running[0].pending()).toBe(0));
  });

  it('retries a batch whose handler throws, after a growing delay, and loses nothing', async () => {
    const ids = await publishReports(t.nc, t.subjects, 10);
    const calls: number[] = [];
    const done = new Set<string>();
    await consumer({
      batchSize: 10,
      maxWaitMs: 50,
      handler: async (reports) => {
        calls.push(Date.now());
        if (calls.length <= 2) throw new Error('database unavailable');
        reports.forEach((r) => (done.add(reportId(r.data)), r.ack()));
      },
    }).start();

    await expectEventually(() => expect(done.size).toBe(ids.length));
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(240);
    expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(490);
    expect(errors.filter((e) => e.context === 'handler').map((e) => e.error.message)).toEqual([
      'database unavailable',
      'database unavailable',
    ]);
  });

  it('delivers a report published while it pauses after a failure', async () => {
    await publishReports(t.nc, t.subjects, 1, 'first');
    const seen: string[] = [];
    let failed = false;
    await consumer({
      handler: async (reports) => {
        if (!failed) {
          failed = true;
          throw new Error('transient');
        }
        reports.forEach((r) => (seen.push(reportId(r.data)), r.ack()));
      },
    }).start();
    await expectEventually(() => expect(failed).toBe(true));

    await publishReports(t.nc, t.subjects, 1, 'during-pause');

    await expectEventually(() => expect(seen.sort()).toEqual(['during-pause-0', 'first-0']));
  });

  it('delivers a report published while it was stopped once it starts again', async () => {
    const seen: string[] = [];
    const c = consumer({
      handler: async (reports) => reports.forEach((r) => (seen.push(reportId(r.data)), r.ack())),
    });
    await c.start();
    await publishReports(t.nc, t.subjects, 1, 'before');
    await expectEventually(() => expect(seen).toEqual(['before-0']));

    await c.stop();
    await publishReports(t.nc, t.subjects, 1, 'while-stopped');
    await c.start();

    await expectEventually(() => expect(seen).toEqual(['before-0', 'while-stopped-0']));
  });

  it('finishes the batch in the handler before stop() resolves', async () => {
    await publishReports(t.nc, t.subjects, 5);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inHandler = false;
    let acked = 0;
    const c = consumer({
      batchSize: 5,
      maxWaitMs: 50,
      handler: async (reports) => {
        inHandler = true;
        await gate;
        reports.forEach((r) => (acked++, r.ack()));
      },
    });
    await c.start();
    await expectEventually(() => expect(inHandler).toBe(true));

    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(acked).toBe(5);
    await t.nc.flush();
    await expectEventually(async () => expect(await c.pending()).toBe(0));
  });

  it('recreates its durable consumer when someone deletes it', async () => {
    const seen: string[] = [];
    await consumer({
      durable: 'ingest',
      handler: async (reports) => reports.forEach((r) => (seen.push(reportId(r.data)), r.ack())),
    }).start();
    await publishReports(t.nc, t.subjects, 1, 'before');
    await expectEventually(() => expect(seen).toEqual(['before-0']));

    await t.jsm.consumers.delete(t.subjects.reportsStream, 'ingest');
    await publishReports(t.nc, t.subjects, 1, 'after');

    // The recreated consumer starts from the stream's beginning: reports are idempotent downstream.
    await expectEventually(() => expect(seen).toContain('after-0'));
    expect(errors.some((e) => e.context === 'consume')).toBe(true);
  });

  it('reads on after the reports stream is deleted and created again', async () => {
    const seen: string[] = [];
    await consumer({
      handler: async (reports) => reports.forEach((r) => (seen.push(reportId(r.data)), r.ack())),
    }).start();
    await publishReports(t.nc, t.subjects, 1, 'old');
    await expectEventually(() => expect(seen).toEqual(['old-0']));

    await t.jsm.streams.delete(t.subjects.reportsStream);
    await ensureStreams(t.nc, t.subjects);
    await publishReports(t.nc, t.subjects, 1, 'new');

    await expectEventually(() => expect(seen).toEqual(['old-0', 'new-0']));
  });

  it('keeps what it holds past ack_wait from going to another worker, and frees what a dead one held', async () => {
    await publishReports(t.nc, t.subjects, 10);
    const held: InboundReport[] = [];
    const holderNats = await t.connect('holder');
    const options = { durable: 'ingest', ackWaitMs: 1_000, settlesLater: true };
    await consumer(
      { ...options, handler: async (reports) => void held.push(...reports) },
      holderNats,
    ).start();
    await expectEventually(() => expect(held).toHaveLength(10));
    const seenByTwin: InboundReport[] = [];
    await consumer({
      ...options,
      handler: async (reports) => void seenByTwin.push(...reports),
    }).start();

    // Three ack waits: nothing the holder keeps alive goes anywhere else.
    await expectThroughout(
      async () => {
        expect(seenByTwin).toHaveLength(0);
        const info = await t.jsm.consumers.info(t.subjects.reportsStream, 'ingest');
        expect(info.num_redelivered).toBe(0);
      },
      { forMs: 3_000 },
    );
    held.slice(0, 4).forEach((r) => r.ack());
    // The holder dies holding the rest: the twin has them within about one ack wait.
    await holderNats.close();
    await expectEventually(() => expect(seenByTwin).toHaveLength(6), { timeoutMs: 3_000 });
    expect(seenByTwin.every((r) => r.deliveryCount === 2)).toBe(true);
  });
});
