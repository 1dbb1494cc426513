import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { LOGGER, type Logger } from '../logging/logger.token';
import { ReadError } from './read.error';

/**
 * Maps whatever escapes a read route to the error shape of the read API: HTTP errors pass through,
 * anything else (PostgreSQL unreachable, a bug) is logged and answered 503 `unavailable`, so a
 * caller can tell "retry later" from "you asked wrongly".
 */
@Catch()
export class ReadErrorsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    let error: HttpException;
    if (exception instanceof HttpException) {
      error = exception;
    } else {
      this.logger.error({ err: exception }, 'read failed');
      error = new ReadError('unavailable', 'the story store is unavailable, retry later');
    }
    const body = error.getResponse();
    res.statusCode = error.getStatus();
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    if (error.getStatus() === 503) res.setHeader('Retry-After', '1');
    res.end(
      JSON.stringify(
        typeof body === 'string' ? { error: { code: 'invalid', message: body } } : body,
      ),
    );
  }
}
