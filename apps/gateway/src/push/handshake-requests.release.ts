import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { IoAdapter } from '@nestjs/platform-socket.io';

type IoServer = ReturnType<IoAdapter['createIOServer']>;

/** engine.io's stand-in response of a WebSocket upgrade; it holds the request until the TCP socket closes. */
interface UpgradeResponse {
  req?: IncomingMessage;
}

/** engine.io's listener that repeats a TCP socket's `close` on the upgrade's stand-in response. */
const CLOSE_ECHO = '() => this.emit("close")';

/** engine.io's socket (6.x) as the gateway trims it: its request, and its first transport. */
interface EngineConn {
  request?: unknown;
  readonly transport: { readonly name: string; removeAllListeners(event: string): unknown };
}

const NO_HEADERS = Object.freeze({});
const NO_QUERY = Object.freeze({});

/**
 * Lets go of each connection's HTTP request once socket.io has read what it needs from it, as
 * socket.io's own performance guide advises: the request (headers, raw headers, parser state) is
 * otherwise kept for the whole life of the connection, a few KB per idle socket. engine.io keeps it
 * twice: on its socket (`request`) and, for a WebSocket upgrade, on the response it makes up for the
 * middlewares, which a `close` listener of the TCP socket holds.
 *
 * - The upgrade's response is only written to by middlewares, before the WebSocket handshake's
 *   headers go out (engine.io's `headers` event): after that its request can go. engine.io also
 *   repeats the TCP socket's `close` on it, for middlewares that wait for a response to end; the
 *   gateway's do not, so that listener goes, and with it the response.
 * - socket.io builds `socket.handshake` (headers, query, address, auth) from the request when the
 *   client joins a namespace; the gateway reads only the handshake's `auth`, so the request goes
 *   then, and the handshake's `headers` and `query` become empty objects.
 * - socket.io puts every socket in a room of its own id; the gateway never sends through it, so
 *   the socket leaves it (a Set and two map entries fewer per socket).
 * - A socket that opened on a WebSocket keeps engine.io's `headers` listener on its transport, and
 *   the closure it holds, for nothing: only polling requests emit it (a WebSocket's headers went out
 *   with the upgrade, through the server's own event). It goes.
 *
 * `upgrading` is called from an engine.io middleware with each WebSocket upgrade and its response.
 */
export function releaseHandshakeRequests(server: IoServer): {
  upgrading(req: IncomingMessage, res: object): void;
} {
  const upgrades = new WeakMap<IncomingMessage, UpgradeResponse>();
  server.engine.on('headers', (_headers: unknown, req: IncomingMessage) => {
    const res = upgrades.get(req);
    if (res) res.req = undefined;
  });
  server.on('connection', (socket) => {
    const conn = socket.conn as unknown as EngineConn;
    conn.request = undefined;
    if (conn.transport.name === 'websocket') conn.transport.removeAllListeners('headers');
    // The handshake's headers are the request's own object, and its query is parsed from the URL:
    // the gateway reads only `auth` (at connection), so neither is kept for the socket's life.
    Object.assign(socket.handshake, { headers: NO_HEADERS, query: NO_QUERY });
    // Nothing is sent to a socket through its own room (SocketHub writes to the socket itself).
    void socket.leave(socket.id);
  });
  return {
    upgrading(req, res) {
      upgrades.set(req, res as UpgradeResponse);
      dropCloseEcho(req.socket);
    },
  };
}

function dropCloseEcho(tcp: Socket): void {
  for (const listener of tcp.rawListeners('close')) {
    const inner = (listener as { listener?: unknown }).listener;
    if (typeof inner === 'function' && String(inner) === CLOSE_ECHO)
      tcp.removeListener('close', listener as (...args: unknown[]) => void);
  }
}
