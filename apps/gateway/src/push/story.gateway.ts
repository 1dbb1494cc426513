import { Inject, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { OriginPolicy } from '../auth/origin.policy';
import { LOGGER, type Logger } from '../logging/logger.token';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { sharedMessageListeners } from './shared-message.listeners';
import { type PushServer, type PushSocket, SocketHub } from './socket.hub';
import { SubscriptionService } from './subscription.service';

/** socket.io edge of docs/protocol.md, "Live push": translates messages into calls, nothing more. */
@WebSocketGateway()
export class StoryGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown
{
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly hub: SocketHub,
    private readonly policy: OriginPolicy,
    private readonly metrics: GatewayMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  // What a client sends is untrusted: body and ack stay `unknown` until the service has checked them
  // against the protocol (ClientToServerEvents). The listeners serve every socket (not Nest's
  // @SubscribeMessage, which binds two functions to each): shared-message.listeners.ts.
  private readonly listeners = sharedMessageListeners(
    {
      subscribe: (socket, body, ack) => this.subscriptions.subscribe(socket.id, body, ack),
      unsubscribe: (socket, body, ack) => this.subscriptions.unsubscribe(socket.id, body, ack),
    },
    (error, socket, message) =>
      this.logger.error({ err: error, socket: socket.id }, `${message} failed`),
  );

  afterInit(server: PushServer): void {
    this.hub.attach(server);
  }

  handleConnection(socket: PushSocket): void {
    const auth: unknown = socket.handshake.auth;
    const token =
      typeof auth === 'object' && auth !== null ? (auth as { token?: unknown }).token : undefined;
    this.subscriptions.connect(socket.id, token);
    for (const [message, listener] of this.listeners) socket.on(message as 'subscribe', listener);
  }

  /** Nest hears each socket's `disconnect` already: one listener per socket serves both. */
  handleDisconnect(socket: PushSocket, reason?: string): void {
    this.subscriptions.disconnect(socket.id);
    // The reason is socket.io's own, from a fixed set (never the client's words).
    this.metrics.disconnects.inc({ reason: reason ?? 'unknown' });
  }

  /** Stop taking sockets, tell the connected ones to go elsewhere, and let them go. */
  beforeApplicationShutdown(): void {
    this.policy.drain();
    const sockets = this.hub.connected;
    this.hub.disconnectAll({ reason: 'shutting down', delayMs: 0 });
    this.logger.info({ sockets }, 'disconnected every socket for shutdown');
  }
}
