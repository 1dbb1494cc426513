import { ServiceUnavailableException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type {
  HealthCheckResult,
  HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { httpErrorBody } from './http/http-error';

/** A named yes/no probe for `/health`: throws its `failure` when `ok` resolves false. */
export interface Probe {
  readonly name: string;
  readonly ok: () => boolean | Promise<boolean>;
  readonly failure: string;
  readonly timeoutMs: number;
}

/**
 * Terminus indicators for the probes both apps run (docs/protocol.md, "HTTP": 200 only when each of
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

/**
 * Runs a Terminus check and answers it on `res`: 200 with the report, or 503 with the report's
 * per-probe `info` and `details` and, in `error`, the error shape of both apps naming the probes that
 * failed. (Terminus would put its own map of failed probes there, in an exception the apps' error
 * filters would flatten to a bare error.)
 */
export async function answerHealth(
  res: ServerResponse,
  check: () => Promise<HealthCheckResult>,
): Promise<void> {
  let status = 200;
  let body: object;
  try {
    body = await check();
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    const report = error.getResponse() as HealthCheckResult;
    const failed = Object.entries(report.error ?? {}).map(
      ([name, detail]) => `${name}: ${String((detail as { message?: unknown }).message ?? 'down')}`,
    );
    status = 503;
    body = {
      status: report.status,
      info: report.info,
      details: report.details,
      ...httpErrorBody(
        'unavailable',
        failed.length > 0 ? failed.join('; ') : `health is ${report.status}`,
      ),
    };
  }
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
