import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';

// @nestjs/platform-socket.io pins its own socket.io; its types, not the top-level package's, apply here.
type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;
import type { OriginPolicy } from '../auth/origin.policy';
import type { GatewayOptions } from '../config/gateway.options';

/**
 * socket.io as the gateway wants it: small client messages, the origin allow-list on the handshake
 * (`allowRequest`, both transports) and again on every later engine.io request — the WebSocket
 * upgrade of a polling session included, which `allowRequest` does not see.
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
      cors: { origin: policy.allowsAll ? true : [...policy.origins], methods: ['GET', 'POST'] },
      allowRequest: (req, callback) => {
        const refusal = policy.refusal(req.headers.origin);
        callback(refusal, refusal === null);
      },
    } as IoServerOptions);
    server.engine.use((req: IncomingMessage, _res: unknown, next: (error?: Error) => void) => {
      const hasSession = new URL(req.url ?? '/', 'http://gateway').searchParams.has('sid');
      const refusal = hasSession ? policy.refusal(req.headers.origin) : null;
      next(refusal === null ? undefined : new Error(refusal));
    });
    return server;
  }
}
