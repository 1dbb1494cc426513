import type { HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';

/** A named yes/no probe for `/health`: throws its `failure` when `ok` resolves false. */
export interface Probe {
  readonly name: string;
  readonly ok: () => boolean | Promise<boolean>;
  readonly failure: string;
  readonly timeoutMs: number;
}

/**
 * Terminus indicators for the probes both apps run (CONTRACT section 5: 200 only when each of
 * NATS and PostgreSQL answers), plus any of the app's own.
 */
export function healthIndicators(
  indicators: HealthIndicatorService,
  probes: readonly Probe[],
): HealthIndicatorFunction[] {
  return probes.map(
    ({ name, ok, failure, timeoutMs }) =>
      () =>
        indicators
          .check(name)
          .attempt(async () => {
            if (!(await ok())) throw new Error(failure);
          })
          .withTimeout(timeoutMs),
  );
}

/** The probes of the two dependencies every app has. */
export function dependencyProbes(
  postgres: () => Promise<boolean>,
  nats: () => Promise<boolean>,
): Probe[] {
  return [
    { name: 'postgres', ok: postgres, failure: 'PostgreSQL did not answer', timeoutMs: 2000 },
    { name: 'nats', ok: nats, failure: 'NATS is not connected', timeoutMs: 2000 },
  ];
}
