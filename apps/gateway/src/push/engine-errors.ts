import type { ServerResponse } from 'node:http';
import { httpErrorBody, type HttpErrorCode } from '@livefeed/common';

type WriteHead = (status: number, ...rest: unknown[]) => ServerResponse;
type End = (...args: unknown[]) => ServerResponse;

/**
 * engine.io answers the requests it refuses (an unknown transport or session, a bad handshake, a
 * refused origin) with its own `{ "code": <number>, "message" }`. This makes such an answer the one
 * error body of docs/protocol.md, "HTTP": 403 `forbidden` with `refusal` when the gateway refused the
 * request itself, else 400 `invalid` with engine.io's message. Successful answers are left alone.
 * (A refused WebSocket upgrade is written by engine.io straight to the socket, as a plain 400.)
 */
export function answerEngineErrorsInErrorBody(
  res: ServerResponse,
  refusal: () => string | null,
): void {
  const writeHead = res.writeHead.bind(res) as WriteHead;
  const end = res.end.bind(res) as End;
  let failed: HttpErrorCode | null = null;
  (res as { writeHead: WriteHead }).writeHead = (status: number, ...rest: unknown[]) => {
    if (status < 400) return writeHead(status, ...rest);
    failed = refusal() === null ? 'invalid' : 'forbidden';
    return writeHead(failed === 'forbidden' ? 403 : 400, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    });
  };
  (res as { end: End }).end = (...args: unknown[]) => {
    if (failed === null) return end(...args);
    const message = refusal() ?? engineMessage(args[0]);
    return end(JSON.stringify(httpErrorBody(failed, message)));
  };
}

function engineMessage(chunk: unknown): string {
  try {
    const parsed = JSON.parse(String(chunk)) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message.length > 0)
      return `socket.io: ${parsed.message}`;
  } catch {
    // Not engine.io's JSON: fall through to the generic message.
  }
  return 'socket.io: bad request';
}
