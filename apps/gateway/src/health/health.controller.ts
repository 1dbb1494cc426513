import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { isNatsHealthy, type NatsConnection } from '@livefeed/messaging';
import { OriginPolicy } from '../auth/origin.policy';
import { StoryReader } from '../infra/story.reader';
import { NATS } from '../gateway.tokens';

/** 200 only when both NATS and PostgreSQL answer and the instance is not shutting down (CONTRACT section 5). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly reader: StoryReader,
    private readonly policy: OriginPolicy,
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
            if (!(await this.reader.isHealthy())) throw new Error('PostgreSQL did not answer');
          })
          .withTimeout(2000),
      () =>
        this.indicators
          .check('nats')
          .attempt(async () => {
            if (!(await isNatsHealthy(this.nc))) throw new Error('NATS is not connected');
          })
          .withTimeout(2000),
      () =>
        this.indicators
          .check('gateway')
          .attempt(async () => {
            if (this.policy.isDraining) throw new Error('shutting down');
          })
          .withTimeout(100),
    ]);
  }
}
