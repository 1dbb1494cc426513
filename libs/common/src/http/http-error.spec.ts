import { z } from 'zod';
import { redactUrl } from './http-error.filter';
import {
  codeForStatus,
  fieldErrorsOf,
  fieldErrorsOfIssues,
  HTTP_ERROR_STATUS,
  HttpError,
  httpErrorBody,
  rawErrorResponse,
} from './http-error';

describe('the HTTP error body', () => {
  it('is { error: { code, message } }, with fields only when there are some', () => {
    expect(httpErrorBody('not-found', 'no such story')).toEqual({
      error: { code: 'not-found', message: 'no such story' },
    });
    expect(httpErrorBody('invalid', 'bad', [])).toEqual({
      error: { code: 'invalid', message: 'bad' },
    });
    expect(httpErrorBody('invalid', 'bad', [{ path: 'data.body', message: 'required' }])).toEqual({
      error: {
        code: 'invalid',
        message: 'bad',
        fields: [{ path: 'data.body', message: 'required' }],
      },
    });
  });

  it('gives each code one status', () => {
    expect(new HttpError('invalid', 'x').status).toBe(400);
    expect(new HttpError('unauthorized', 'x').status).toBe(401);
    expect(new HttpError('payload-too-large', 'x').status).toBe(413);
    expect(new HttpError('header-too-large', 'x').status).toBe(431);
    expect(new HttpError('unavailable', 'x').status).toBe(503);
    expect(new HttpError('internal', 'x').body).toEqual({
      error: { code: 'internal', message: 'x' },
    });
  });

  it('maps a status decided elsewhere back to its code, unknown ones by class', () => {
    for (const [code, status] of Object.entries(HTTP_ERROR_STATUS))
      expect(codeForStatus(status)).toBe(code);
    expect(codeForStatus(405)).toBe('invalid');
    expect(codeForStatus(502)).toBe('unavailable');
    expect(codeForStatus(501)).toBe('internal');
  });

  it('turns a rejection’s path → message record into fields', () => {
    expect(fieldErrorsOf({ author: 'required', 'data.body': 'too long' })).toEqual([
      { path: 'author', message: 'required' },
      { path: 'data.body', message: 'too long' },
    ]);
    expect(fieldErrorsOf(undefined)).toEqual([]);
  });

  it('turns zod issues into fields: dotted paths, first issue per path, unknown keys by name', () => {
    const schema = z
      .object({ data: z.object({ body: z.string().min(3).regex(/^</) }).strict(), n: z.number() })
      .strict();
    const parsed = schema.safeParse({ data: { body: 'x', extra: 1 }, n: 'one', more: true });
    expect(parsed.success).toBe(false);
    expect(fieldErrorsOfIssues(parsed.error!.issues)).toEqual(
      expect.arrayContaining([
        { path: 'data.body', message: expect.stringContaining('3') },
        { path: 'data.extra', message: 'is not allowed' },
        { path: 'n', message: expect.any(String) },
        { path: 'more', message: 'is not allowed' },
      ]),
    );
    expect(fieldErrorsOfIssues(parsed.error!.issues)).toHaveLength(4);
  });

  it('writes a whole HTTP/1.1 response for a request Node refused', () => {
    const raw = rawErrorResponse(new HttpError('header-too-large', 'too large'));
    const [head, body] = raw.split('\r\n\r\n');
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Cache-Control: no-store',
      'Connection: close',
    ]);
    expect(JSON.parse(body)).toEqual({ error: { code: 'header-too-large', message: 'too large' } });
  });

  it('writes no body for a HEAD request, only the headers', () => {
    const raw = rawErrorResponse(new HttpError('header-too-large', 'too large'), { head: true });
    expect(raw.endsWith('Connection: close\r\n\r\n')).toBe(true);
  });
});

describe('URLs in log lines', () => {
  it('hide the values of credential parameters and keep the rest', () => {
    expect(redactUrl('/api/stories/s1?at=3&token=eyJhbGciOi.x.y')).toBe(
      '/api/stories/s1?at=3&token=[redacted]',
    );
    expect(redactUrl('/api/stories/s1?TOKEN=abc&after=1')).toBe(
      '/api/stories/s1?TOKEN=[redacted]&after=1',
    );
    expect(redactUrl('/api/stories/s1?tokens=1')).toBe('/api/stories/s1?tokens=1');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
