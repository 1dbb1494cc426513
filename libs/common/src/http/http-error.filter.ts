import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { codeForStatus, HttpError } from './http-error';

/**
 * What an app makes of an error that is neither an {@link HttpError} nor one of Nest's: an answer
 * (`unavailable` when a dependency is down), or null for a bug (500 `internal`).
 */
export type UnexpectedErrorPolicy = (exception: unknown) => HttpError | null;

/**
 * Writes every error of an HTTP route, Nest's own (unknown route, malformed JSON body, 413 from
 * body-parser) included, as `{ "error": { "code", "message", "fields"? } }`. Each app registers one
 * globally with its own {@link UnexpectedErrorPolicy}.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    protected readonly logger: Logger,
    private readonly unexpected: UnexpectedErrorPolicy = () => null,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<IncomingMessage>();
    const res = http.getResponse<ServerResponse>();
    const request = { method: req.method, url: redactUrl(req.url) };
    if (isClientAbort(exception, req)) {
      // The publisher went away mid-body: its fault, and nobody is left to answer.
      this.logger.warn({ ...request, reason: messageOf(exception) }, 'client aborted the request');
      res.destroy();
      return;
    }
    const error = this.toHttpError(exception, request);
    sendHttpError(res, error);
  }

  private toHttpError(exception: unknown, request: object): HttpError {
    if (exception instanceof HttpError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) this.logger.error({ ...request, err: exception }, 'request failed');
      return new HttpError(codeForStatus(status), nestMessage(exception));
    }
    const answer = this.unexpected(exception);
    if (answer) {
      this.logger.warn({ ...request, err: exception }, answer.message);
      return answer;
    }
    this.logger.error({ ...request, err: exception }, 'request failed');
    return new HttpError('internal', 'internal error');
  }
}

/** Answers `error` on `res`, or drops the connection when a response has already begun. */
export function sendHttpError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    // Half a response cannot be turned into an error: ending it early is the only honest signal.
    res.destroy();
    return;
  }
  res.statusCode = error.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (error.code === 'unavailable') res.setHeader('Retry-After', '1');
  if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer');
  res.end(JSON.stringify(error.body));
}

/**
 * Node fails the body stream with `aborted` (ECONNRESET) when the peer goes away mid-body, and
 * body-parser with `request aborted` (Nest wraps it in a 400): both only once the request is aborted.
 */
function isClientAbort(exception: unknown, req: IncomingMessage): boolean {
  if (!req.readableAborted) return false;
  const e = exception as { code?: unknown; type?: unknown; cause?: { type?: unknown } } | null;
  return (
    e?.code === 'ECONNRESET' ||
    e?.type === 'request.aborted' ||
    e?.cause?.type === 'request.aborted'
  );
}

/** Query parameters that carry credentials (a reader token may come as `?token=`). */
const SECRET_PARAMS = /([?&](?:token|access_token|auth|password)=)[^&#]*/gi;

/** The URL as it may be logged: the values of credential parameters replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_PARAMS, '$1[redacted]');
}

function nestMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}

function messageOf(exception: unknown): string {
  return exception instanceof Error ? exception.message : String(exception);
}
