import { Catch, Inject } from '@nestjs/common';
import { HttpError, HttpErrorFilter } from '@livefeed/common';
import { isRetryableDatabaseError } from '@livefeed/event-store';
import { LOGGER, type Logger } from '../logging/logger.token';

/**
 * The gateway's one error filter (registered globally): `unavailable` (503, Retry-After) only when
 * the story store really cannot answer now, so a caller can tell "retry later" from a bug (500).
 */
@Catch()
export class GatewayErrorsFilter extends HttpErrorFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (exception) =>
      isRetryableDatabaseError(exception)
        ? new HttpError('unavailable', 'the story store is unavailable, retry later')
        : null,
    );
  }
}
