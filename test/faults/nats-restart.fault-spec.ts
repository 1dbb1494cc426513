import { setTimeout as delay } from 'node:timers/promises';
import { clean, sized } from './fault.checker';
import { faultWorldOfFile, metric, watchHealth } from './fault.world';

jest.setTimeout(sized(120_000, 600_000));

const STORIES = 20;
const REPORTS = sized(1_000, 10_000);
const OUTAGE_MS = sized(3_000, 15_000);

const fault = faultWorldOfFile();

describe('NATS restarted while reports flow in and readers are fanned out to', () => {
  it('recovers by itself, says so on /health, rejects nothing, loses nothing', async () => {
    const ingest = await fault.ingest();
    const gateway = await fault.gateway();
    const reports = await fault.followedWorkload(gateway.url, {
      prefix: 'n',
      stories: STORIES,
      reports: REPORTS,
      readersPerStory: 3,
    });

    // Filing goes on through the outage: each report is retried until JetStream acknowledges it.
    const filing = fault.file(reports.slice(STORIES), { perSecond: sized(250, 500) });
    await delay(1000);
    const outage = (async () => {
      await fault.nats!.stop();
      const downAt = Date.now();
      await delay(OUTAGE_MS);
      await fault.nats!.restart();
      return Date.now() - downAt;
    })();
    const [health, outageMs] = await Promise.all([
      watchHealth({ ingest, gateway }, outage),
      outage,
    ]);
    await filing;
    await fault.settle();

    const figures = await fault.check('NATS restarted during ingest and fan-out', {
      outageMs,
      health,
      deliveries: await metric(gateway, 'livefeed_gateway_deliveries_total'),
    });
    expect(figures).toMatchObject(clean(figures));
    expect(figures.reports.committed).toBe(REPORTS);
    for (const said of [health.ingest, health.gateway]) {
      expect(said).toContain('503:nats');
      expect(said.at(-1)).toBe('200');
    }
    expect(ingest.child.exitCode).toBeNull();
    expect(gateway.child.exitCode).toBeNull();
  });
});
