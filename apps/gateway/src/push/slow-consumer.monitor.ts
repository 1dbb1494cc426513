import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { GATEWAY_OPTIONS, type GatewayOptions } from '../config/gateway.options';
import { LOGGER, type Logger } from '../logging/logger.token';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { SocketHub } from './socket.hub';

/**
 * docs/architecture.md: a reader that does not keep up must not make the gateway hold its backlog.
 * Every `slowConsumerCheckMs` the bytes waiting for each socket are measured; past the bound the
 * connection is dropped (the client reconnects and resumes from its last version).
 */
@Injectable()
export class SlowConsumerMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: SocketHub,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep(), this.options.slowConsumerCheckMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Disconnects every socket over the bound; returns how many. */
  sweep(): number {
    const bound = this.options.slowConsumerBytes;
    const slow: { id: string; bytes: number }[] = [];
    for (const id of this.hub.socketIds()) {
      const bytes = this.hub.bufferedBytes(id, bound);
      if (bytes > bound) slow.push({ id, bytes });
    }
    for (const { id, bytes } of slow) {
      this.metrics.slowConsumerDisconnects.inc();
      this.logger.warn({ socket: id, bytes, bound }, 'disconnected a slow consumer');
      this.hub.cut(id);
    }
    return slow.length;
  }
}
