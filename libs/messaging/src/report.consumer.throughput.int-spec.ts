import { expectEventually } from '@livefeed/common/testing';
import { ReportConsumer } from './report.consumer';
import { ensureStreams } from './story.streams';
import { openTestNats, type TestNats } from './testing/nats.fixture';
import { publishReports } from './testing/reports';

jest.setTimeout(120_000);

/** Not a benchmark with a baseline (bench/ has those): a check that the runner is nowhere near 10k/s. */
describe('ReportConsumer throughput', () => {
  const COUNT = 50_000;
  let t: TestNats;
  beforeAll(async () => {
    t = await openTestNats();
    await ensureStreams(t.nc, t.subjects);
  });
  afterAll(() => t.close());

  it.each([
    ['one worker', 1],
    ['two workers', 2],
  ])('drains a backlog with an acking handler (%s)', async (label, workers) => {
    const durable = `drain-${workers}`;
    const published = Date.now();
    if (workers === 1) await publishReports(t.nc, t.subjects, COUNT);
    const publishMs = Date.now() - published;

    let handled = 0;
    const consumers = await Promise.all(
      Array.from({ length: workers }, async (_, i) => {
        const nc = i === 0 ? t.nc : await t.connect(`worker-${i}`);
        return new ReportConsumer(nc, t.subjects, {
          durable,
          batchSize: 500,
          maxWaitMs: 5,
          handler: async (reports) => {
            for (const r of reports) r.ack();
            handled += reports.length;
          },
        });
      }),
    );
    const started = Date.now();
    await Promise.all(consumers.map((c) => c.start()));
    await expectEventually(() => expect(handled).toBeGreaterThanOrEqual(COUNT), {
      timeoutMs: 60_000,
    });
    const elapsed = Date.now() - started;
    await expectEventually(async () => expect(await consumers[0].pending()).toBe(0));
    await Promise.all(consumers.map((c) => c.stop()));

    console.log(
      `ReportConsumer ${label}: drained ${COUNT} reports in ${elapsed} ms = ${Math.round((COUNT / elapsed) * 1000)} reports/s` +
        (workers === 1
          ? ` (published in ${publishMs} ms = ${Math.round((COUNT / publishMs) * 1000)}/s)`
          : ''),
    );
    expect(handled).toBe(COUNT);
  });
});
