import { Catch, Inject } from '@nestjs/common';
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { HttpError, HttpErrorFilter } from '@livefeed/common';
import { isRetryableDatabaseError } from '@livefeed/event-store';
import { LOGGER } from '../ingest.tokens';

const NATS_DOWN = [
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
];

/**
 * The ingest app's one error filter (registered globally): `unavailable` (503, Retry-After) when
 * JetStream did not take a report or PostgreSQL could not be read, so a publisher retries; anything
 * else unexpected is a bug (500 `internal`).
 */
@Catch()
export class IngestErrorsFilter extends HttpErrorFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (exception) => {
      if (NATS_DOWN.some((type) => exception instanceof type))
        return new HttpError('unavailable', 'JetStream did not take the report, retry later');
      if (isRetryableDatabaseError(exception))
        return new HttpError('unavailable', 'the event store is unavailable, retry later');
      return null;
    });
  }
}
