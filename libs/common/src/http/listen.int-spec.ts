import { createServer, type Server } from 'node:http';
import net from 'node:net';
import pino from 'pino';
import { loadConfig } from '../config';
import { expectEventually } from '../testing';
import { listenShared } from './listen';
import { applyServerLimits, serverLimitsOf } from './server-limits';

const silent = pino({ level: 'silent' });
const HOST = '127.0.0.1';

/** Opens `n` raw connections at once and resolves with what each received once every one is closed or answered. */
function connectMany(port: number, n: number, send = '') {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<{ data: string; error?: string }>((resolve) => {
          const socket = net.connect(port, HOST);
          let data = '';
          socket.on('connect', () => send && socket.write(send));
          socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
          socket.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ data, error: error.code }),
          );
          socket.on('close', () => resolve({ data }));
        }),
    ),
  );
}

const GET = 'GET /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n';

describe('listenShared', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  });

  const serve = (env: Record<string, string> = {}) => {
    server = createServer((_req, res) => res.end('ok'));
    applyServerLimits(server, serverLimitsOf(loadConfig(env)), silent);
    return server;
  };

  it('serves every connection, whichever of its sockets accepted it, on the port the OS chose', async () => {
    const listening = await listenShared(serve(), {
      port: 0,
      host: HOST,
      backlog: 512,
      sockets: 4,
    });
    expect(listening.sockets).toBe(process.platform === 'linux' ? 4 : 1);
    expect(listening.port).toBeGreaterThan(0);
    const answers = await connectMany(listening.port, 100, GET);
    expect(answers.filter((a) => /^HTTP\/1\.1 200 [\s\S]*ok$/.test(a.data))).toHaveLength(100);
  });

  it('accepts more than one connection per event-loop turn with several sockets, one with one', async () => {
    const mostPerTurn = async (sockets: number) => {
      const s = serve();
      let turn = 0;
      const perTurn = new Map<number, number>();
      s.on('connection', () => perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1));
      const { port } = await listenShared(s, { port: 0, host: HOST, backlog: 512, sockets });
      let spinning = true;
      // Turns of 2 ms, as a busy process has: the kernel queues the connects meanwhile.
      const spin = () => {
        const until = Date.now() + 2;
        while (Date.now() < until);
        turn += 1;
        if (spinning) setImmediate(spin);
      };
      setImmediate(spin);
      await connectMany(port, 64, GET);
      spinning = false;
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
      server = undefined;
      return Math.max(...perTurn.values());
    };
    expect(await mostPerTurn(1)).toBe(1);
    if (process.platform === 'linux') expect(await mostPerTurn(8)).toBeGreaterThan(1);
  });

  it('makes every connection as the server makes its own: half-open for HTTP, not for plain TCP', async () => {
    const halfOpen = async (s: net.Server) => {
      const seen: boolean[] = [];
      s.on('connection', (socket: net.Socket) => {
        seen.push(socket.allowHalfOpen);
        socket.destroy();
      });
      const { port } = await listenShared(s, { port: 0, host: HOST, backlog: 512, sockets: 8 });
      await connectMany(port, 40);
      await new Promise((resolve) => s.close(resolve));
      return [...new Set(seen)];
    };
    expect(await halfOpen(createServer())).toEqual([true]);
    expect(await halfOpen(net.createServer())).toEqual([false]);
  });

  it('applies the server’s own limits to connections from every socket', async () => {
    const s = serve({ LIVEFEED_MAX_CONNECTIONS_PER_IP: '10' });
    let seen = 0;
    s.on('connection', () => (seen += 1));
    const { port } = await listenShared(s, {
      port: 0,
      host: HOST,
      backlog: 512,
      sockets: 8,
    });
    // Held open (no request yet) so that they count against the cap together.
    const held = Array.from({ length: 10 }, () => net.connect(port, HOST).on('error', () => {}));
    await expectEventually(() => expect(seen).toBe(10));
    const refused = await connectMany(port, 30, GET);
    expect(refused.every((a) => a.data.startsWith('HTTP/1.1 429 '))).toBe(true);
    for (const socket of held) socket.destroy();
  });

  it('stops listening on every socket when the server closes', async () => {
    const s = serve();
    const { port } = await listenShared(s, { port: 0, host: HOST, backlog: 512, sockets: 8 });
    await new Promise((resolve) => s.close(resolve));
    server = undefined;
    const answers = await connectMany(port, 40);
    expect(answers.map((a) => a.error)).toEqual(Array(40).fill('ECONNREFUSED'));
  });

  it('fails with EADDRINUSE on a port another socket holds without SO_REUSEPORT', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, HOST, resolve));
    const taken = (other.address() as net.AddressInfo).port;
    try {
      await expect(
        listenShared(createServer(), { port: taken, host: HOST, backlog: 512, sockets: 4 }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
