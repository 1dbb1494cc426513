import http from 'node:http';
import fc from 'fast-check';
import { expectEventually } from '@livefeed/common/testing';
import { fuzzReport, hostileString, hostileValue } from '../support/fuzz.arbitraries';
import {
  answerProblems,
  errorLines,
  expectAlive,
  fuzzSuite,
  hostileStackOfFile,
  inParallel,
  PUBLISHER_TOKEN,
  readerToken,
  request,
  sampleCases,
} from '../support/hostile';

/**
 * Requests to every route of both apps with hostile paths, query strings, headers and bodies
 * (docs/security.md, "What the fuzzer covers"): never a 5xx, every 4xx in the one error body, the
 * private story's content never in an answer without a grant, every report the write API queued
 * decided exactly once, and both processes up without an error logged.
 */
const CASES = fuzzSuite(0.35, 10);

const SECRET_TITLE = 'VAULT-TITLE-7f3a';
const SECRET_BODY = 'VAULT-BODY-91c2';
const report = (id: string, type: string, data: object) => ({
  id,
  type,
  author: 'desk:fuzz',
  data,
});
const stack = hostileStackOfFile([
  ['open-1', report('o1', 'story.opened', { title: 'Open story' })],
  ['open-1', report('o2', 'entry.posted', { entryId: 'e1', body: '<p>one</p>' })],
  ['vault', report('v1', 'story.opened', { title: SECRET_TITLE, visibility: 'private' })],
  ['vault', report('v2', 'entry.posted', { entryId: 'e1', body: `<p>${SECRET_BODY}</p>` })],
]);

const storyId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('open-1', 'vault', 'ghost', 'fz-new') },
  { weight: 1, arbitrary: hostileString },
);
/** Percent-encodes the UTF-8 of `s` (a lone surrogate becomes U+FFFD, as a browser would send it). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
const segment = pct;
const PATHS: ((id: string, other: string) => string)[] = [
  (id) => `/api/stories/${id}/reports`,
  (_id, other) => `/api/reports/${other}`,
  () => '/api/stories',
  (id) => `/api/stories/${id}`,
  (id) => `/api/stories/${id}/events`,
  (id, other) => `/api/stories/${id}/entries/${other}/history`,
  (id) => `/stories/${id}`,
  () => '/',
  () => '/health',
  () => '/metrics',
  () => '/embed.js',
  () => '/console',
  () => '/assets/livefeed-client.js',
  (id, other) => `/${id}/${other}/..%2f..%2f%00`,
  (id) => `/socket.io/?EIO=4&transport=${id}`,
];
const paramName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('at', 'after', 'limit', 'token', 'wait') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'after[$gt]',
      '__proto__[x]',
      'constructor[prototype][x]',
      'at[]',
      '',
    ),
  },
  { weight: 1, arbitrary: hostileString.map((s) => s.slice(0, 30)) },
);
const paramValue = fc.oneof(
  fc.constantFrom('0', '1', '3', '100', '1000', '1001', '-1', '1.5', '1e3', '0x10', '2147483648'),
  fc.constantFrom('2026-11-24T08:15:00Z', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999Z'),
  fc.constantFrom('+275760-09-13T00:00:00Z', 'now', 'NaN', 'Infinity', '', '%00', '%ZZ'),
  hostileString.map((s) => s.slice(0, 100)),
);
const query = fc
  .array(fc.tuple(paramName, paramValue), { maxLength: 4 })
  .map((pairs) =>
    pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`,
  );
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant(`Bearer ${PUBLISHER_TOKEN}`),
  fc.constant(`Bearer ${readerToken({ stories: ['open-1'] })}`),
  fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${PUBLISHER_TOKEN} extra`),
  hostileString.map((s) => `Bearer ${s.slice(0, 2000)}`),
);
const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
  {
    weight: 3,
    arbitrary: fc
      .record({
        id: fc.oneof(fc.uuid(), hostileString),
        type: fc.constantFrom('story.opened', 'entry.posted', 'figure.reported', 'nope'),
        author: hostileString,
        data: hostileValue,
      })
      .map((r) => JSON.stringify(r)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom('{"id":', '['.repeat(100_000), '{"a":'.repeat(20_000)) },
);
const anyRequest = fc.record({
  app: fc.constantFrom('ingest' as const, 'gateway' as const),
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('GET', 'POST') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  ),
  path: fc
    .tuple(fc.integer({ min: 0, max: PATHS.length - 1 }), storyId, hostileString)
    .map(([i, id, other]) => PATHS[i](segment(id), segment(other.slice(0, 200)))),
  query,
  authorization,
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=latin1',
    'text/plain',
    'multipart/form-data; boundary=x',
    undefined,
  ),
  origin: fc.constantFrom(undefined, 'https://evil.example', 'null'),
  body: body as fc.Arbitrary<string | Uint8Array | undefined>,
});
/** The write API with its token and a report, mostly plausible, on an existing story or not. */
const filing = fc
  .tuple(
    fc.constantFrom('open-1', 'vault', 'ghost'),
    fc.uuid(),
    fc.constantFrom('', '', '?wait=0', '?wait=1', '?wait=0.5'),
  )
  .chain(([story, id, wait]) =>
    fuzzReport([story]).map((make) => ({
      app: 'ingest' as const,
      method: 'POST',
      path: `/api/stories/${story}/reports`,
      query: wait,
      authorization: `Bearer ${PUBLISHER_TOKEN}` as string | undefined,
      contentType: 'application/json' as string | undefined,
      origin: undefined as string | undefined,
      body: make(id).bytes as string | Uint8Array | undefined,
    })),
  );
/** The read API of the gateway, on its own routes, with hostile parameters and tokens. */
const reading = fc
  .tuple(
    fc.constantFrom(...[3, 4, 5, 6].map((i) => PATHS[i])),
    storyId,
    fc.constantFrom('e1', 'e2', 'nope'),
    query,
    authorization,
  )
  .map(([path, id, entry, q, auth]) => ({
    app: 'gateway' as const,
    method: 'GET',
    path: path(segment(id), entry),
    query: q,
    authorization: auth,
    contentType: undefined as string | undefined,
    origin: undefined as string | undefined,
    body: undefined as string | Uint8Array | undefined,
  }));
const httpCase = fc.oneof(
  { weight: 2, arbitrary: filing },
  { weight: 2, arbitrary: reading },
  { weight: 1, arbitrary: anyRequest },
);
type HttpCase = typeof httpCase extends fc.Arbitrary<infer T> ? T : never;

it(`answers ${CASES} hostile requests without a 5xx, each error in the one error body`, async () => {
  const cases = sampleCases('fuzz-http', httpCase, CASES);
  const agents = {
    ingest: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    gateway: new http.Agent({ keepAlive: true, maxSockets: 4 }),
  };
  const failures: string[] = [];
  /** Reports the write API took, with the status it answered: queued, accepted or rejected. */
  const filed = new Map<string, string>();
  const statuses = new Map<number, number>();
  const started = Date.now();
  try {
    await inParallel(cases, 8, async (c: HttpCase) => {
      const target = c.app === 'ingest' ? stack.ingest : stack.gateway;
      const headers: Record<string, string> = {};
      // Characters a header cannot carry are refused by Node's client before sending; as a
      // browser would, they are replaced (test/hostile/oversize sends raw bytes).
      if (c.authorization !== undefined)
        headers.authorization = c.authorization.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
      if (c.contentType !== undefined) headers['content-type'] = c.contentType;
      if (c.origin !== undefined) headers.origin = c.origin;
      const sent = c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body;
      const answer = await request(target.url, {
        method: c.method,
        path: c.path + c.query,
        headers,
        body: sent,
        agent: agents[c.app],
      }).catch((error: unknown) => ({ status: 0, headers: {}, body: String(error) }));
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const problems =
        answer.status === 0 ? [`no answer: ${answer.body}`] : answerProblems(answer, c);
      // No case carries a token for the private story.
      if (answer.body.includes(SECRET_TITLE) || answer.body.includes(SECRET_BODY))
        problems.push('the private story leaked');
      if (problems.length > 0)
        failures.push(
          `${c.app} ${c.method} ${c.path}${c.query} → ${answer.status}: ${problems.join('; ')}`,
        );
      if (c.app === 'ingest' && [201, 202, 422].includes(answer.status)) {
        const { reportId, status } = JSON.parse(answer.body) as {
          reportId: string;
          status: string;
        };
        filed.set(reportId, status);
      }
    });
  } finally {
    agents.ingest.destroy();
    agents.gateway.destroy();
  }
  const elapsedMs = Date.now() - started;
  expect(failures.slice(0, 10)).toEqual([]);

  // Every report the write API took gets its one outcome, the one it answered if it waited.
  const ids = [...filed.keys()];
  await expectEventually(
    async () => {
      const rows = await stack.world.sql<{ report_id: string; status: string }>(
        'SELECT report_id, status FROM report_outcomes WHERE report_id = ANY($1)',
        [ids],
      );
      expect(rows.length).toBe(ids.length);
      const told = rows.filter((r) => filed.get(r.report_id) !== 'queued');
      expect(told.filter((r) => filed.get(r.report_id) !== r.status)).toEqual([]);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  await stack.world.checkLog();
  await expectAlive(stack.ingest);
  await expectAlive(stack.gateway);
  expect(errorLines(stack.ingest)).toEqual([]);
  expect(errorLines(stack.gateway)).toEqual([]);
  console.log(
    `fuzz-http: ${cases.length} requests in ${elapsedMs} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
      `${ids.length} reports filed and decided; 0 crashes, 0 5xx, 0 error logs`,
  );
});
