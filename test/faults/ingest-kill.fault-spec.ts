import { setTimeout as delay } from 'node:timers/promises';
import type { AppProcess } from '../support/processes';
import { RoundRobinProxy } from '../support/round-robin-proxy';
import { clean, sized } from './fault.checker';
import { faultWorldOfFile } from './fault.world';

jest.setTimeout(sized(240_000, 900_000));

const STORIES = sized(50, 500);
const REPORTS = sized(3_000, 50_000);
const READERS_PER_STORY = sized(2, 1);
const KILL_EVERY_MS = sized(1_500, 3_000);

let proxy: RoundRobinProxy | undefined;
// Before the world's own hook, so that the proxy goes first (hooks run in the order declared).
afterAll(() => proxy?.close());
const fault = faultWorldOfFile();

describe('two ingest processes, one of them SIGKILLed every few seconds, two gateways serving readers', () => {
  it('loses no report, doubles none, keeps every story gapless and in filing order', async () => {
    const ingests: AppProcess[] = await Promise.all([fault.ingest(), fault.ingest()]);
    const gateways = await Promise.all([fault.gateway(), fault.gateway()]);
    proxy = new RoundRobinProxy(gateways.map((g) => g.port));
    await proxy.start();
    const reports = await fault.followedWorkload(proxy.url, {
      prefix: 'k',
      stories: STORIES,
      reports: REPORTS,
      readersPerStory: READERS_PER_STORY,
    });

    const started = Date.now();
    const filing = fault.file(reports.slice(STORIES), {
      perSecond: sized(500, 1_000),
      chunk: STORIES,
    });
    let done = false;
    void filing.finally(() => (done = true));
    let kills = 0;
    // The loop ends by itself: once everything is filed, after one more kill.
    while (!done || kills < 3) {
      await delay(KILL_EVERY_MS);
      const victim = ingests[kills % 2];
      victim.kill('SIGKILL');
      await victim.exited;
      kills++;
      ingests[(kills - 1) % 2] = await fault.ingest();
      if (done && kills >= 3) break;
    }
    await filing;
    await fault.settle(sized(120_000, 600_000));
    const seconds = (Date.now() - started) / 1000;

    const figures = await fault.check(`ingest SIGKILLed every ${KILL_EVERY_MS} ms`, {
      kills,
      seconds,
      routed: Object.fromEntries(proxy.routed),
    });
    expect(figures).toMatchObject(clean(figures));
    expect(figures.reports.committed).toBe(REPORTS);
    expect(kills).toBeGreaterThanOrEqual(3);
    // Both gateways served a share of the readers throughout.
    for (const g of gateways) expect(proxy.routed.get(g.port)).toBeGreaterThan(0);
    await fault.world.expectFilingOrder('k-', reports);
  });
});
