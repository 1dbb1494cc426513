import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/nats-core';
import { EventStore } from '@livefeed/event-store';
import { isNatsHealthy } from '@livefeed/messaging';
import { NATS } from '../ingest.tokens';

/** 200 only when both NATS and PostgreSQL answer (CONTRACT section 5). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly store: EventStore,
    @Inject(NATS) private readonly nc: NatsConnection,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.indicators
          .check('postgres')
          .attempt(async () => {
            if (!(await this.store.isHealthy())) throw new Error('PostgreSQL did not answer');
          })
          .withTimeout(2000),
      () =>
        this.indicators
          .check('nats')
          .attempt(async () => {
            if (!(await isNatsHealthy(this.nc))) throw new Error('NATS is not connected');
          })
          .withTimeout(2000),
    ]);
  }
}
