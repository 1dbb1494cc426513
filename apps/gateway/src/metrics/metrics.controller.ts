import { Controller, Get, Header } from '@nestjs/common';
import { SocketHub } from '../push/socket.hub';
import { GatewayMetrics } from './gateway.metrics';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly hub: SocketHub,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    this.metrics.connectedSockets.set(this.hub.connected);
    return this.metrics.text();
  }
}
