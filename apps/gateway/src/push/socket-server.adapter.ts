import { type IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { type Observable } from 'rxjs';

// @nestjs/platform-socket.io pins its own socket.io; its types, not the top-level package's, apply here.
type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;
type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];
import type { OriginPolicy } from '../auth/origin.policy';
import type { GatewayOptions } from '../config/gateway.options';
import { answerEngineErrorsInErrorBody } from './engine-errors';
import { releaseHandshakeRequests } from './handshake-requests.release';
import { deferPingTimeoutVerdicts } from './ping-timeout.verdict';
import { shareTransportListeners } from './transport-listeners.share';

type Reply = (response: unknown) => void;

/** The TCP socket under an engine.io connection, when its transport is a WebSocket. */
interface Corkable {
  cork(): void;
  uncork(): void;
}
interface EngineSocketLike {
  readonly transport?: {
    readonly name?: string;
    readonly socket?: { readonly readyState?: number; readonly _socket?: Corkable };
  };
}
/** `ws`'s `WebSocket.OPEN`. */
const WS_OPEN = 1;

/**
 * socket.io as the gateway wants it: small client messages, the origin allow-list on the handshake
 * (`allowRequest`, both transports) and again on every later engine.io request — the WebSocket
 * upgrade of a polling session included, which `allowRequest` does not see.
 *
 * Three things are cheaper than Nest's and socket.io's defaults, because a gateway holds thousands of
 * idle sockets and sends catch-ups of hundreds of events to each of them in a reconnect storm:
 * message handlers are plain listeners (no rxjs chain per socket and handler), a connection's HTTP
 * request is let go once its handshake is read, and a burst of packets engine.io flushes to one
 * WebSocket goes out in one write instead of one per packet, as does the answer to an upgrade.
 * And a reader whose pong arrived while the gateway stalled is not dropped for a ping timeout
 * (ping-timeout.verdict.ts). Per socket, engine.io's listeners on its transport are shared by all
 * (transport-listeners.share.ts), and `disconnect` has one listener for Nest and the gateway.
 */
export class SocketServerAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly policy: OriginPolicy,
    private readonly options: GatewayOptions,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoServerOptions): IoServer {
    const policy = this.policy;
    const server = super.createIOServer(port, {
      ...options,
      serveClient: true,
      maxHttpBufferSize: this.options.maxHttpBufferSize,
      pingInterval: this.options.pingIntervalMs,
      pingTimeout: this.options.pingTimeoutMs,
      cors: { origin: policy.allowsAll ? true : [...policy.origins], methods: ['GET', 'POST'] },
      allowRequest: (req, callback) => {
        const refusal = policy.refusal(req.headers.origin, req.headers.host);
        callback(refusal, refusal === null);
      },
    } as IoServerOptions);
    const requests = releaseHandshakeRequests(server);
    server.engine.use(
      (req: IncomingMessage, res: ServerResponse, next: (error?: Error) => void) => {
        const hasSession = new URL(req.url ?? '/', 'http://gateway').searchParams.has('sid');
        // A refusal of the handshake comes later, from allowRequest: it is asked again for the answer.
        const refusal = hasSession ? policy.refusal(req.headers.origin, req.headers.host) : null;
        // An upgrade's `res` writes nothing (engine.io answers on the socket): only polling is wrapped.
        if (res instanceof ServerResponse)
          answerEngineErrorsInErrorBody(
            res,
            () => refusal ?? policy.refusal(req.headers.origin, req.headers.host),
          );
        else {
          requests.upgrading(req, res);
          answerUpgradeInOneWrite(req);
        }
        next(refusal === null ? undefined : new Error(refusal));
      },
    );
    coalesceFlushes(server.engine);
    deferPingTimeoutVerdicts(server.engine);
    shareTransportListeners();
    return server;
  }

  /**
   * For `@SubscribeMessage` handlers (the gateway's own two messages have listeners shared by every
   * socket instead: shared-message.listeners.ts). Nest's semantics without its per-socket rxjs
   * pipeline (about 12 KB per idle socket): the
   * handler's result (value, promise or observable) is sent back through the ack unless the handler
   * takes the ack itself, `{event, data}` results are emitted, and nothing a handler throws or
   * rejects with can reach the process: it is logged.
   */
  override bindMessageHandlers(
    socket: IoSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // As rxjs' fromEvent hands them to Nest's adapter: one argument as is, several as an array.
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]);
        const reply = typeof ack === 'function' && !isAckHandledManually ? ack : undefined;
        this.handle(socket, () => callback(data, ack), reply as Reply | undefined, transform);
      });
    }
  }

  /**
   * Nest's own wraps its callback in an arrow and a `once` per socket; socket.io emits a socket's
   * `disconnect` once, so the callback itself listens.
   */
  override bindClientDisconnect(client: IoSocket, callback: (reason: string) => void): void {
    client.on('disconnect', callback);
  }

  private handle(
    socket: IoSocket,
    invoke: () => unknown,
    reply: Reply | undefined,
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const fail = (error: unknown) => this.logger.error(error);
    try {
      transform(invoke()).subscribe({
        next: (response) => {
          if (response === null || response === undefined) return;
          const { event, data } = response as { event?: unknown; data?: unknown };
          if (typeof event === 'string') socket.emit(event, data);
          else reply?.(response);
        },
        error: fail,
      });
    } catch (error) {
      fail(error);
    }
  }
}

/**
 * A WebSocket upgrade is answered in one synchronous run: the `101 Switching Protocols` headers,
 * then engine.io's `open` packet. Corked until the run ends, they go out as one write (and one
 * wake-up of the client) instead of two.
 */
function answerUpgradeInOneWrite(req: IncomingMessage): void {
  const tcp = req.socket;
  tcp.cork();
  process.nextTick(() => tcp.uncork());
}

/**
 * engine.io hands a WebSocket the packets that queued while it was busy one by one, each its own
 * `write` (a system call, and a wake-up of the reader); a catch-up of 300 events made 300 of them.
 * Corking the TCP socket from the server's `flush` to its `drain` (both emitted synchronously around
 * the transport's send) makes one write of the burst. A lone packet is left alone.
 *
 * A WebSocket that sent or got its close frame gets nothing more: engine.io writes a frame made
 * beforehand (every room broadcast, every catch-up event) straight to it, past the check `ws` makes
 * for its own sends, so the frame would follow the close frame, which the protocol forbids. The
 * flush is emptied; the connection closes with the WebSocket, and its reader resumes with `since`.
 */
function coalesceFlushes(engine: IoServer['engine']): void {
  const corked = new WeakMap<object, Corkable>();
  engine.on('flush', (socket: EngineSocketLike, buffer: unknown[]) => {
    if (socket.transport?.name !== 'websocket') return;
    if (socket.transport.socket?.readyState !== WS_OPEN) {
      buffer.length = 0;
      return;
    }
    if (buffer.length < 2) return;
    const tcp = socket.transport.socket?._socket;
    if (!tcp || corked.has(socket)) return;
    tcp.cork();
    corked.set(socket, tcp);
  });
  engine.on('drain', (socket: EngineSocketLike) => {
    const tcp = corked.get(socket);
    if (!tcp) return;
    corked.delete(socket);
    tcp.uncork();
  });
}
