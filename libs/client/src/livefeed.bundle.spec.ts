import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as vm from 'node:vm';
import { expectEventually } from '@livefeed/common/testing';
import type { LivefeedClient, Subscription } from './client.types';
import { GatewayEmulator } from './testing/gateway.emulator';

interface Page {
  Livefeed: { createLivefeedClient(options: object): LivefeedClient };
}

describe('the browser bundle', () => {
  let outdir: string;
  let gateway: GatewayEmulator;
  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'livefeed-client-'));
    await promisify(execFile)(process.execPath, [
      join(__dirname, '..', 'build.mjs'),
      '--outdir',
      outdir,
    ]);
  }, 60_000);
  beforeEach(async () => {
    gateway = await GatewayEmulator.start();
  });
  afterEach(() => gateway.stop());
  afterAll(() => rm(outdir, { recursive: true, force: true }));

  it('follows a story from a page with no Node globals, over a WebSocket by default', async () => {
    gateway.seed('karabakh-day-6', 2);
    // A page's globals only: no require, no process, no Buffer. Node 20 has no WebSocket global; `ws`
    // (socket.io-client's own Node transport) stands in for the browser's.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WebSocket } = require('ws') as { WebSocket: unknown };
    const page = vm.createContext({
      WebSocket,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      queueMicrotask,
    });
    vm.runInContext('globalThis.window = globalThis; globalThis.self = globalThis;', page);
    vm.runInContext(await readFile(join(outdir, 'livefeed-client.js'), 'utf8'), page);

    // As the reader page calls it: no transport options, the SDK's default (WebSocket first) applies.
    const client = (page as unknown as Page).Livefeed.createLivefeedClient({ url: gateway.url });
    try {
      const subscription: Subscription = client.subscribe('karabakh-day-6');
      await expectEventually(() => expect(subscription.status).toBe('live'));
      gateway.post('karabakh-day-6', 'e3');
      await expectEventually(() => expect(subscription.version).toBe(4));
      expect(JSON.parse(JSON.stringify(subscription.state))).toEqual(
        gateway.stateOf('karabakh-day-6'),
      );
      expect(gateway.transports).toEqual(['websocket']);
    } finally {
      client.close();
    }
  });

  it('ships an ES module too', async () => {
    const esm = await readFile(join(outdir, 'livefeed-client.mjs'), 'utf8');
    expect(esm).toMatch(/export\s*\{[^}]*createLivefeedClient/);
  });
});
