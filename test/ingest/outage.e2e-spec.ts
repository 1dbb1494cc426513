import { setTimeout as delay } from 'node:timers/promises';
import { expectEventually } from '@livefeed/common/testing';
import { type AppProcess, startApp } from '../support/processes';
import { isolatedWorld, storyScript, workload } from '../support/livefeed';
import { TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(180_000);

/** The bar: both apps ride out a 30 s outage of either service. */
const OUTAGE_MS = 30_000;

let world: Awaited<ReturnType<typeof isolatedWorld>>;
let ingest: AppProcess | undefined;
/** The test's proxy, closed after it whatever happened (an open one would keep jest from exiting). */
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  world = await isolatedWorld();
});
afterEach(async () => {
  await ingest?.stop();
  await proxy?.cut();
  proxy = undefined;
});
afterAll(async () => {
  await world?.close();
});

const decided = async (prefix: string) =>
  Number(
    (
      await world.sql<{ n: string }>(
        `SELECT count(*) AS n FROM report_outcomes WHERE story_id LIKE $1`,
        [`${prefix}%`],
      )
    )[0].n,
  );
const health = async (p: AppProcess) => (await fetch(`${p.url}/health`)).status;

describe('a 30 s PostgreSQL outage under load', () => {
  it('rejects nothing, loses nothing, and resumes by itself', async () => {
    proxy = new TcpProxy(5432);
    await proxy.start();
    const url = new URL(world.db.url);
    url.port = String(proxy.port);
    ingest = await startApp('ingest', {
      ...world.env,
      DATABASE_URL: url.toString(),
      LIVEFEED_ACK_WAIT_MS: '2000',
    });
    await world.publish(storyScript('pg-a', 99));
    await expectEventually(async () => expect(await decided('pg-a')).toBe(100));

    // Cut in the middle of a burst: some of it committed, some in flight, the rest still to come.
    const burst = workload('pg-b', 20, 100);
    const filing = world.publish(burst);
    await expectEventually(async () => expect(await decided('pg-b')).toBeGreaterThan(0), {
      intervalMs: 2,
    });
    await proxy.cut();
    await filing;
    expect(await decided('pg-b')).toBeLessThan(burst.length);
    await expectEventually(async () => expect(await health(ingest!)).toBe(503));
    await delay(OUTAGE_MS); // the outage itself, not a wait for a condition
    expect(ingest.child.exitCode).toBeNull();
    await proxy.restore();

    await expectEventually(async () => expect(await decided('pg-b')).toBe(burst.length), {
      timeoutMs: 60_000,
    });
    await world.expectFilingOrder('pg-b-', burst);
    expect(await health(ingest)).toBe(200);
    const rejected = await world.sql(
      `SELECT report_id FROM report_outcomes WHERE status = 'rejected'`,
    );
    expect(rejected).toEqual([]);
    await world.checkLog();
    await proxy.cut();
  });
});

describe('a 30 s NATS outage', () => {
  it('reconnects by itself and takes the reports filed meanwhile', async () => {
    proxy = new TcpProxy(4222);
    await proxy.start();
    ingest = await startApp('ingest', { ...world.env, NATS_URL: `nats://127.0.0.1:${proxy.port}` });
    await world.publish(storyScript('nats-a', 9));
    await expectEventually(async () => expect(await decided('nats-a')).toBe(10));

    // Newsroom tools still reach NATS directly; only this ingest process loses it, mid-burst.
    const burst = workload('nats-b', 20, 100);
    const filing = world.publish(burst);
    await expectEventually(async () => expect(await decided('nats-b')).toBeGreaterThan(0), {
      intervalMs: 2,
    });
    await proxy.cut();
    await filing;
    expect(await decided('nats-b')).toBeLessThan(burst.length);
    await expectEventually(async () => expect(await health(ingest!)).toBe(503));
    await delay(OUTAGE_MS);
    expect(ingest.child.exitCode).toBeNull();
    await proxy.restore();

    await expectEventually(async () => expect(await decided('nats-b')).toBe(burst.length), {
      timeoutMs: 60_000,
    });
    await world.expectFilingOrder('nats-b-', burst);
    expect(
      await world.sql(`SELECT report_id FROM report_outcomes WHERE status = 'rejected'`),
    ).toEqual([]);
    expect(await health(ingest)).toBe(200);
    await world.checkLog();
    await proxy.cut();
  });
});
