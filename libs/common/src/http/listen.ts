import { createServer, type AddressInfo, type Server } from 'node:net';

export interface ListenOptions {
  readonly port: number;
  readonly host: string;
  /** Connections the kernel queues for each listening socket (capped by `net.core.somaxconn`). */
  readonly backlog: number;
  /** Listening sockets on the port (1: a plain `listen`). */
  readonly sockets: number;
}

export interface Listening {
  /** The port listened on (the one the OS chose when asked for 0). */
  readonly port: number;
  /** Listening sockets opened: `sockets`, or 1 where the OS cannot spread connections over several. */
  readonly sockets: number;
}

/**
 * Listens on one port with several listening sockets (`SO_REUSEPORT`), each handing its
 * connections to `server` as if it had accepted them itself: for an HTTP server, its timeouts,
 * caps and upgrade handling all apply.
 *
 * libuv accepts one connection per listening socket and event-loop turn (Node 24, libuv 1.52:
 * `strace` shows one `accept4` per `epoll_pwait`). A process busy with a reconnect storm has long
 * turns, so its accept queue drains slowly: 1,000 connects to a server whose turns take 5 ms were
 * accepted over 5.2 s with one socket, 1.0 s with 8 and 0.43 s with 32. The kernel spreads incoming
 * connections over the sockets, and each turn accepts up to one per socket.
 *
 * Only Linux balances connections over such sockets; elsewhere, and with `sockets` 1, this is one
 * plain socket. Another process of the same user that listens on the port with `SO_REUSEPORT` too
 * shares it (the kernel balances between the two) instead of failing with `EADDRINUSE`.
 *
 * `server.close()` closes the extra sockets with its own.
 */
export async function listenShared(server: Server, options: ListenOptions): Promise<Listening> {
  const shared = options.sockets > 1 && process.platform === 'linux';
  const { port, host, backlog } = options;
  await listening(server, { port, host, backlog, ...(shared ? { reusePort: true } : {}) });
  const actual = (server.address() as AddressInfo).port;
  if (!shared) return { port: actual, sockets: 1 };

  // The extra sockets' connections are made as the server's own (http.Server: half-open, no Nagle).
  // Node keeps these options on the server; @types/node does not declare them there.
  const { allowHalfOpen, noDelay } = server as Server & {
    allowHalfOpen?: boolean;
    noDelay?: boolean;
  };
  const extras: Server[] = [];
  const close = server.close.bind(server);
  server.close = ((callback?: (error?: Error) => void) => {
    for (const extra of extras.splice(0)) extra.close();
    return close(callback);
  }) as Server['close'];
  try {
    for (let i = 1; i < options.sockets; i++) {
      const extra = createServer({ allowHalfOpen, noDelay }, (socket) => {
        server.emit('connection', socket);
      });
      await listening(extra, { port: actual, host, backlog, reusePort: true });
      // Accept failures (EMFILE) reach whoever listens for the server's own.
      extra.on('error', (error) => server.emit('error', error));
      extras.push(extra);
    }
  } catch (error) {
    server.close();
    throw error;
  }
  return { port: actual, sockets: options.sockets };
}

function listening(
  target: Server,
  options: { port: number; host: string; backlog: number; reusePort?: boolean },
): Promise<void> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    target.listen(options, () => {
      target.off('error', reject);
      resolve();
    });
  });
}
