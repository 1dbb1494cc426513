import { type ChildProcess, spawn } from 'node:child_process';
import { expectEventually } from '@livefeed/common/testing';
import { socketServerWorld, type IoServer } from './testing/socket-server.world';

/** What the test reads of an engine.io socket: its events, and the own `onClose` the gateway sets. */
interface EngineSocket {
  on(event: string, listener: (...args: never[]) => void): unknown;
  onClose?: unknown;
}

const PING_INTERVAL_MS = 300;
const PING_TIMEOUT_MS = 150;
/** Longer than the ping timeout: the gateway does nothing else for this long. */
const STALL_MS = 4 * PING_TIMEOUT_MS;

/**
 * A reader in a process of its own (a stalled test process must not stall it): engine.io v4 and
 * socket.io v5 over `ws`, answering each ping after `pongDelayMs`, or never when it is negative.
 */
function reader(port: number, pongDelayMs: number): ChildProcess {
  const script = `
    const { WebSocket } = require('ws');
    const [url, delay] = [process.argv[1], Number(process.argv[2])];
    const ws = new WebSocket(url);
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('0')) ws.send('40');
      else if (text === '2' && delay >= 0) setTimeout(() => ws.send('3'), delay);
    });
    ws.on('close', () => process.exit(0));`;
  const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  return spawn(process.execPath, ['-e', script, url, String(pongDelayMs)], { stdio: 'ignore' });
}

/** Blocks this process's event loop: what a long burst of work or a starved machine does to a gateway. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/**
 * Each engine.io socket's close reasons and pongs (`heartbeat`); on each socket's first ping, once it is on its
 * way, the gateway stalls in an immediate (so the loop then runs its due timers before it reads the
 * sockets again). `engineOnly` takes the deferral back off, to show the stall drops a reader then.
 */
function watch(server: IoServer, engineOnly: { value: boolean }) {
  const closes: string[] = [];
  const heartbeats = { count: 0 };
  server.engine.on('connection', (socket: EngineSocket) => {
    if (engineOnly.value) delete socket.onClose;
    let stalled = false;
    socket.on('packetCreate', (packet: { type: string }) => {
      if (packet.type !== 'ping' || stalled) return;
      stalled = true;
      setImmediate(() => stall(STALL_MS));
    });
    socket.on('heartbeat', () => heartbeats.count++);
    socket.on('close', (reason: string) => closes.push(reason));
  });
  return { closes, heartbeats };
}

describe('the gateway’s ping-timeout verdict after a stall', () => {
  const engineOnly = { value: false };
  const { world } = socketServerWorld((server) => watch(server, engineOnly), {
    pingIntervalMs: PING_INTERVAL_MS,
    pingTimeoutMs: PING_TIMEOUT_MS,
  });
  const children: ChildProcess[] = [];
  const open = (pongDelayMs: number) => {
    const child = reader(world.port, pongDelayMs);
    children.push(child);
    return child;
  };
  afterEach(() => {
    for (const child of children.splice(0)) child.kill();
    engineOnly.value = false;
  });
  const connected = () => expectEventually(() => expect(world.server.sockets.sockets.size).toBe(1));

  it('keeps a reader whose pong arrived while the gateway stalled', async () => {
    open(30);
    await connected();
    // Pongs after the stall: the reader stayed, and its heartbeat goes on.
    await expectEventually(() => expect(world.extra.heartbeats.count).toBeGreaterThanOrEqual(3));
    expect(world.extra.closes).toEqual([]);
    expect(world.server.sockets.sockets.size).toBe(1);
  });

  it('drops the same reader without the deferral: the stall alone reproduces the cut-off', async () => {
    engineOnly.value = true;
    open(30);
    await connected();
    await expectEventually(() => expect(world.extra.closes).toEqual(['ping timeout']));
    expect(world.extra.heartbeats.count).toBe(0);
  });

  it('still drops a reader that never answers', async () => {
    open(-1);
    await connected();
    await expectEventually(() => expect(world.extra.closes).toEqual(['ping timeout']));
    expect(world.server.sockets.sockets.size).toBe(0);
  });
});
