import { setTimeout as delay } from 'node:timers/promises';
import { clean, sized } from './fault.checker';
import { faultWorldOfFile, watchHealth } from './fault.world';

jest.setTimeout(sized(120_000, 600_000));

const STORIES = 20;
const REPORTS = sized(1_000, 10_000);
const OUTAGE_MS = sized(3_000, 15_000);

const fault = faultWorldOfFile();

/** Reads every story over REST until `stop`, and counts the statuses it was answered with. */
async function readWhile(base: string, stop: Promise<unknown>): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let done = false;
  void stop.finally(() => (done = true));
  for (let i = 0; !done; i++) {
    const res = await fetch(`${base}/api/stories/p-${i % STORIES}`).catch(() => undefined);
    const key = String(res?.status ?? 'unreachable');
    statuses[key] = (statuses[key] ?? 0) + 1;
    await res?.body?.cancel();
    await delay(20);
  }
  return statuses;
}

describe('PostgreSQL restarted while reports flow in and readers read', () => {
  it('recovers by itself, says so on /health, rejects nothing, loses nothing', async () => {
    const ingest = await fault.ingest();
    const gateway = await fault.gateway();
    const reports = await fault.followedWorkload(gateway.url, {
      prefix: 'p',
      stories: STORIES,
      reports: REPORTS,
    });

    const filing = fault.file(reports.slice(STORIES), { perSecond: sized(250, 500) });
    await delay(1000);
    const outage = (async () => {
      await fault.pg.stop();
      const downAt = Date.now();
      // Readers who arrive while PostgreSQL is down: their first snapshot waits for it.
      for (let s = 0; s < STORIES; s += 4) fault.follow(gateway.url, `p-${s}`);
      await delay(OUTAGE_MS);
      await fault.pg.restart();
      return Date.now() - downAt;
    })();
    const [health, reads, outageMs] = await Promise.all([
      watchHealth({ ingest, gateway }, outage),
      readWhile(gateway.url, outage),
      outage,
    ]);
    await filing;
    await fault.settle();

    const figures = await fault.check('PostgreSQL restarted during ingest and reads', {
      outageMs,
      health,
      reads,
    });
    expect(figures).toMatchObject(clean(figures));
    expect(figures.reports.committed).toBe(REPORTS);
    // /health named PostgreSQL while it was down, and came back to 200 by itself.
    for (const said of [health.ingest, health.gateway]) {
      expect(said).toContain('503:postgres');
      expect(said.at(-1)).toBe('200');
    }
    // Reads during the outage were refused as unavailable (503), never a crash (500).
    expect(Object.keys(reads).filter((s) => s !== '200' && s !== '503')).toEqual([]);
    expect(ingest.child.exitCode).toBeNull();
    expect(gateway.child.exitCode).toBeNull();
  });
});
