import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { HttpError, rawErrorResponse } from './http-error';

/** How long clients may take, and how many connections one address may hold (docs/security.md). */
export interface ServerLimits {
  /** A request's headers must have arrived this long after its first byte (or the connection). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections per client address; 0: no cap. */
  readonly maxConnectionsPerIp: number;
}

export function serverLimitsOf(config: Config): ServerLimits {
  return {
    headersTimeoutMs: config.LIVEFEED_HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.LIVEFEED_HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.LIVEFEED_HTTP_KEEPALIVE_TIMEOUT_MS,
    maxConnectionsPerIp: config.LIVEFEED_MAX_CONNECTIONS_PER_IP,
  };
}

const FLUSH_DEADLINE_MS = 2_000;

/**
 * Makes a server shed clients that hold connections without finishing requests (slow-loris: headers
 * or a body dribbled a byte at a time, or nothing sent at all): Node then answers 408, which
 * {@link answerClientErrors} writes in the error body. Node's defaults (60 s for headers, 300 s for a
 * request, checked every 30 s) let a few hundred such clients hold a port for minutes. With a cap,
 * a connection beyond it is answered 429 `too-many-connections` and closed. Call before `listen`.
 */
export function applyServerLimits(server: Server, limits: ServerLimits, logger: Logger): void {
  server.requestTimeout = limits.requestTimeoutMs;
  // Node requires headersTimeout <= requestTimeout.
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by Node when the server starts listening: how often the two timeouts above are checked
  // (an option of createServer that @types/node does not declare as a property).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1_000, Math.ceil(server.headersTimeout / 4));
  if (limits.maxConnectionsPerIp > 0) capConnections(server, limits.maxConnectionsPerIp, logger);
}

/**
 * Counts open TCP connections per remote address, WebSockets included (they are HTTP connections
 * upgraded). Behind a proxy every client has the proxy's address: leave the cap off there, or set
 * it above what the proxy opens.
 */
function capConnections(server: Server, cap: number, logger: Logger): void {
  const open = new Map<string, number>();
  let refused = 0;
  const answer = rawErrorResponse(
    new HttpError('too-many-connections', `at most ${cap} connections from one address`),
  );
  // Node's own listeners (the HTTP parser) see only admitted connections: a refused one never has a
  // request parsed, so nothing it sent can reach a route.
  const admitted = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      refused += 1;
      // One line per burst, not per connection: a flood must not become a flood of logs.
      if (refused === 1 || refused % 1000 === 0)
        logger.warn({ address, cap, refused }, 'refused connections over the per-address cap');
      refuse(socket, answer);
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
    for (const listener of admitted) listener.call(server, socket);
  });
}

function refuse(socket: Socket, answer: string): void {
  const deadline = setTimeout(() => socket.destroy(), FLUSH_DEADLINE_MS).unref();
  socket.once('close', () => clearTimeout(deadline));
  socket.on('error', () => socket.destroy());
  // What the client sends is read and dropped, so that closing does not reset the connection
  // before the client has read the answer.
  socket.resume();
  socket.end(answer);
}
