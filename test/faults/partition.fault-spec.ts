import { expectEventually } from '@livefeed/common/testing';
import { defaultGatewayOptions } from '../../apps/gateway/src/config/gateway.options';
import { storyScript } from '../support/livefeed';
import { TcpProxy } from '../support/tcp-proxy';
import { clean, sized } from './fault.checker';
import { faultWorldOfFile, metric } from './fault.world';

jest.setTimeout(120_000);

const READERS = sized(20, 200);
const CUT_OFF = 5;
const { pingIntervalMs, pingTimeoutMs } = defaultGatewayOptions();

let proxy: TcpProxy | undefined;
// Before the world's own hook, so that the proxy goes first (hooks run in the order declared).
afterAll(() => proxy?.cut());
const fault = faultWorldOfFile();

describe('readers silently cut off from a gateway (a path that stops forwarding)', () => {
  it('are reaped within the ping window while the others go on unaffected', async () => {
    await fault.ingest();
    const gateway = await fault.gateway();
    const script = storyScript('cut', sized(60, 300));
    await fault.openStories(script.slice(0, 1));
    proxy = new TcpProxy(gateway.port);
    await proxy.start();
    const cutOff = Array.from({ length: CUT_OFF }, () =>
      fault.follow(`http://127.0.0.1:${proxy!.port}`, 'cut', { checked: false }),
    );
    for (let i = 0; i < READERS; i++) fault.follow(gateway.url, 'cut');
    await fault.settle();
    await expectEventually(() => {
      for (const f of cutOff) expect(f.sub.status).toBe('live');
    });
    const sockets = () => metric(gateway, 'livefeed_gateway_connected_sockets');
    expect(await sockets()).toBe(READERS + CUT_OFF);

    const filing = fault.file(script.slice(1), { perSecond: 20, chunk: 1 });
    const statusesBefore = fault.readers.map((r) => r.follower.statuses.length);
    proxy.stall();
    const stalledAt = Date.now();
    await expectEventually(async () => expect(await sockets()).toBe(READERS), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    const reapedMs = Date.now() - stalledAt;
    await filing;
    await fault.settle();

    const figures = await fault.check('readers silently partitioned from their gateway', {
      reapedMs,
      pingWindowMs: pingIntervalMs + pingTimeoutMs,
      cutOff: CUT_OFF,
    });
    expect(figures).toMatchObject(clean(figures));
    // Reaped within one ping window (and the poll's own step), not by a TCP timeout of minutes.
    expect(reapedMs).toBeLessThanOrEqual(pingIntervalMs + pingTimeoutMs + 1000);
    // The others never noticed: live throughout, no reconnect, no error.
    fault.readers.forEach(({ follower }, i) => {
      expect(follower.statuses.slice(statusesBefore[i])).toEqual([]);
      expect(follower.sub.status).toBe('live');
      expect(follower.errors).toEqual([]);
    });
    for (const f of cutOff) f.client.close();
  });
});
