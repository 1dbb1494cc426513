import { STATUS_CODES } from 'node:http';

/**
 * The stable error codes of both HTTP apps (docs/protocol.md, "HTTP"), each with the one status it is
 * answered with. Clients branch on the code; the message is for people.
 */
export const HTTP_ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  timeout: 408,
  'payload-too-large': 413,
  'too-many-connections': 429,
  'header-too-large': 431,
  internal: 500,
  unavailable: 503,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** One field that failed validation: `path` as dotted keys (`data.body`), as in report rejections. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** The error body of both apps: `{ "error": { "code", "message", "fields"? } }`. */
export interface HttpErrorBody {
  readonly error: {
    readonly code: HttpErrorCode;
    readonly message: string;
    readonly fields?: readonly FieldError[];
  };
}

/** Builds the body; `fields` is left out when there are none, so clients can test for it. */
export function httpErrorBody(
  code: HttpErrorCode,
  message: string,
  fields?: readonly FieldError[],
): HttpErrorBody {
  return { error: { code, message, ...(fields && fields.length > 0 ? { fields } : {}) } };
}

/**
 * What a controller throws to answer with an error: a code, never a status, so the status of each
 * code is decided in one place. The apps' exception filters write it.
 */
export class HttpError extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly fields?: readonly FieldError[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get status(): number {
    return HTTP_ERROR_STATUS[this.code];
  }

  get body(): HttpErrorBody {
    return httpErrorBody(this.code, this.message, this.fields);
  }
}

/** The code for a status decided elsewhere (Nest's router, body-parser, Node's parser). */
export function codeForStatus(status: number): HttpErrorCode {
  const known = (Object.keys(HTTP_ERROR_STATUS) as HttpErrorCode[]).find(
    (code) => HTTP_ERROR_STATUS[code] === status,
  );
  if (known) return known;
  if (status === 503 || status === 502 || status === 504) return 'unavailable';
  return status >= 500 ? 'internal' : 'invalid';
}

/** Field errors from a `path → message` record (the form of a report rejection's `fields`). */
export function fieldErrorsOf(fields: Readonly<Record<string, string>> | undefined): FieldError[] {
  return Object.entries(fields ?? {}).map(([path, message]) => ({ path, message }));
}

/** The minimum of a zod issue this module reads, so any zod version's issues fit. */
export interface IssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

export interface IssueWording {
  /** The message for an issue; zod's own by default. */
  readonly describe?: (issue: IssueLike) => string;
  /** The message for a key the schema does not know. */
  readonly unknownKey?: string;
}

/**
 * Field errors from zod issues: one per path (the first issue wins), dotted paths, and an unknown key
 * reported under its own name rather than under the object that holds it, so a client can point at it.
 */
export function fieldErrorsOfIssues(
  issues: readonly IssueLike[],
  { describe = (issue) => issue.message, unknownKey = 'is not allowed' }: IssueWording = {},
): FieldError[] {
  const seen = new Map<string, string>();
  const add = (path: readonly string[], message: string) => {
    const key = path.length > 0 ? path.join('.') : '(root)';
    if (!seen.has(key)) seen.set(key, message);
  };
  for (const issue of issues) {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) add([...at, key], unknownKey);
    } else {
      add(at, describe(issue));
    }
  }
  return [...seen].map(([path, message]) => ({ path, message }));
}

/**
 * A complete HTTP/1.1 response with the error body, for the raw socket of a request Node refused
 * before any `ServerResponse` existed (too-large header, malformed request line); without the body
 * for a `HEAD` request.
 */
export function rawErrorResponse(error: HttpError, { head = false } = {}): string {
  const body = JSON.stringify(error.body);
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    '',
    // The answer to a HEAD request has no body (its headers tell what the body would be).
    head ? '' : body,
  ].join('\r\n');
}
