import type { Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HttpError, rawErrorResponse } from './http-error';

const FLUSH_DEADLINE_MS = 5_000;
/** The peer reset the connection, or closed it in the middle of a request. */
const PEER_GONE = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE']);

/** Node's parser error codes worth their own answer; anything else is a malformed request. */
function errorFor(code: string | undefined): HttpError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError('header-too-large', 'the request headers are too large');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpError('payload-too-large', 'the chunk extensions are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpError('timeout', 'the request took too long to arrive');
    default:
      return new HttpError('invalid', 'malformed HTTP request');
  }
}

/**
 * Answers the requests Node refuses before any route runs (a header over `maxHeaderSize`, a
 * malformed request line, a request too slow to arrive) with the error body of both apps, where
 * Node would answer an empty 431 or 400. Install it before the server accepts connections.
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // With a listener installed Node leaves the socket to us: it must always end up destroyed.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (PEER_GONE.has(err.code ?? '') || !socket.writable || inFlight?.headersSent) {
      // Nobody is left to read an answer (a body cut short is logged by its request's own error
      // path), or a response has begun and more bytes would corrupt it.
      logger.debug({ code: err.code }, 'client connection failed');
      socket.destroy();
      return;
    }
    const error = errorFor(err.code);
    logger.warn({ code: err.code, status: error.status }, 'refused a malformed request');
    // Close only once the answer is flushed, so the client reads it rather than a reset; a peer that
    // never reads it does not keep the socket past the deadline.
    const deadline = setTimeout(() => socket.destroy(), FLUSH_DEADLINE_MS).unref();
    socket.once('close', () => clearTimeout(deadline));
    socket.once('error', () => socket.destroy());
    socket.end(rawErrorResponse(error, { head: isHead(err) }), () => socket.destroy());
  });
}

/** Whether the refused request is a HEAD, as far as the bytes Node kept of it tell. */
function isHead(err: NodeJS.ErrnoException): boolean {
  const raw = (err as { rawPacket?: unknown }).rawPacket;
  return Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
}
