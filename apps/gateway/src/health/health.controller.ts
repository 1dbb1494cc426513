import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { answerHealth, dependencyProbes, healthIndicators } from '@livefeed/common';
import { isNatsHealthy, type NatsConnection } from '@livefeed/messaging';
import { OriginPolicy } from '../auth/origin.policy';
import { StoreReads } from '../infra/store-reads.repository';
import { NATS } from '../gateway.tokens';

/** 200 only when both NATS and PostgreSQL answer and the instance is not shutting down (docs/protocol.md, "HTTP"). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly reader: StoreReads,
    private readonly policy: OriginPolicy,
    @Inject(NATS) private readonly nc: NatsConnection,
  ) {}

  @Get()
  @HealthCheck()
  check(@Res() res: ServerResponse): Promise<void> {
    return answerHealth(res, () =>
      this.health.check(
        healthIndicators(this.indicators, [
          ...dependencyProbes(
            () => this.reader.isHealthy(),
            () => isNatsHealthy(this.nc),
          ),
          {
            name: 'gateway',
            ok: () => !this.policy.isDraining,
            failure: 'shutting down',
            timeoutMs: 100,
          },
        ]),
      ),
    );
  }
}
