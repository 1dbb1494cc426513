import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ServerResponse } from 'node:http';
import { EventStore } from '@livefeed/event-store';
import { isNatsHealthy } from '@livefeed/messaging';
import { answerHealth, dependencyProbes, healthIndicators } from '@livefeed/common';
import { NATS } from '../ingest.tokens';

/** 200 only when both NATS and PostgreSQL answer (docs/protocol.md, "HTTP"). */
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
  check(@Res() res: ServerResponse): Promise<void> {
    return answerHealth(res, () =>
      this.health.check(
        healthIndicators(
          this.indicators,
          dependencyProbes(
            () => this.store.isHealthy(),
            () => isNatsHealthy(this.nc),
          ),
        ),
      ),
    );
  }
}
