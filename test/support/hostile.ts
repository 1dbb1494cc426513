import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { HTTP_ERROR_STATUS } from '@livefeed/common';
import { AppFleet, type AppProcess } from './processes';
import { isolatedWorld } from './livefeed';
import { sharedByFile } from './shared-by-file';

/** Fixed secrets of the hostile suites (none of them is a real one). */
export const PUBLISHER_TOKEN = 'hostile-publisher-token-4f1c9a';
export const READER_SECRET = 'hostile-reader-secret-of-at-least-32-bytes';

/**
 * Cases of the fuzz suites: `LIVEFEED_FUZZ_CASES` in all (3,000 by default, the CI form; `npm run
 * test:fuzz` runs 100,000), shared out among the suites; `LIVEFEED_FUZZ_SEED` replays a run.
 */
const FUZZ = {
  total: positiveInt(process.env.LIVEFEED_FUZZ_CASES, 3_000),
  seed: positiveInt(process.env.LIVEFEED_FUZZ_SEED, Math.floor(Math.random() * 2 ** 31)),
};
/** This suite's share of the cases, at least 50. */
const fuzzCases = (share: number) => Math.max(50, Math.round(FUZZ.total * share));
/** A deadline that grows with the work: `baseMs` plus `perCaseMs` for each case. */
export const scaled = (baseMs: number, cases: number, perCaseMs: number) =>
  baseMs + Math.ceil(cases * perCaseMs);

/**
 * A fuzz suite's number of cases, its share of all (`fuzzCases`), with jest's timeout set to fit
 * them: 120 s, and `perCaseMs` for each case.
 */
export function fuzzSuite(share: number, perCaseMs: number): number {
  const cases = fuzzCases(share);
  jest.setTimeout(scaled(120_000, cases, perCaseMs));
  return cases;
}

/** `count` cases of `arbitrary` from the run's seed, and the line that says how to replay them. */
export function sampleCases<T>(suite: string, arbitrary: fc.Arbitrary<T>, count: number): T[] {
  const cases = fc.sample(arbitrary, { numRuns: count, seed: FUZZ.seed });
  console.log(`${suite}: ${cases.length} cases, seed ${FUZZ.seed} (LIVEFEED_FUZZ_SEED)`);
  return cases;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Signs a reader token with the suites' secret (HS256) unless told otherwise. */
export function readerToken(
  claims: Record<string, unknown>,
  { secret = READER_SECRET, algorithm = 'HS256' as jwt.Algorithm } = {},
): string {
  return jwt.sign(claims, secret, { algorithm });
}

/** Both apps on one isolated world, with a publisher token and a reader secret. */
export async function hostileStack(env: Record<string, string> = {}) {
  const world = await isolatedWorld();
  const fleet = new AppFleet();
  const appEnv = {
    ...world.env,
    LIVEFEED_PUBLISH_TOKENS: PUBLISHER_TOKEN,
    LIVEFEED_READER_SECRET: READER_SECRET,
    ...env,
  };
  const [ingest, gateway] = await Promise.all([
    fleet.start('ingest', appEnv),
    fleet.start('gateway', appEnv),
  ]);
  /** Files a report over the write API and waits for its outcome. */
  const file = async (storyId: string, report: object) => {
    const res = await fetch(`${ingest.url}/api/stories/${storyId}/reports?wait=20`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PUBLISHER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    const body = (await res.json()) as { status?: string; version?: number };
    if (res.status !== 201)
      throw new Error(`report refused: ${res.status} ${JSON.stringify(body)}`);
    return body.version!;
  };
  return {
    world,
    fleet,
    ingest,
    gateway,
    env: appEnv,
    file,
    async close() {
      await fleet.stopAll();
      await world.close();
    },
  };
}
export type HostileStack = Awaited<ReturnType<typeof hostileStack>>;

/** A report as the suites file them (author `a`). */
export const report = (id: string, type: string, data: Record<string, unknown>) => ({
  id,
  type,
  author: 'a',
  data,
});

/**
 * The spec file's hostileStack: started before its cases with `reports` filed in order (story id,
 * report), closed after them.
 */
export const hostileStackOfFile = (
  reports: readonly (readonly [storyId: string, report: object])[],
  env: Record<string, string> = {},
): HostileStack =>
  sharedByFile(async () => {
    const stack = await hostileStack(env);
    for (const [storyId, r] of reports) await stack.file(storyId, r);
    return stack;
  });

/** JSON log lines of a process (other lines, such as stack traces, are skipped). */
export function logEntries(
  p: AppProcess,
): { level: number; msg: string; [key: string]: unknown }[] {
  return p.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: unknown };
      return typeof entry.level === 'number' ? [entry as { level: number; msg: string }] : [];
    } catch {
      return [];
    }
  });
}

/** Log lines at error level or worse: a hostile client must never cause one. */
export const errorLines = (p: AppProcess) => logEntries(p).filter((e) => e.level >= 50);

/** The process still runs and its `/health` answers 200. */
export async function expectAlive(p: AppProcess): Promise<void> {
  expect({ exitCode: p.child.exitCode, signal: p.child.signalCode }).toEqual({
    exitCode: null,
    signal: null,
  });
  const res = await fetch(`${p.url}/health`);
  expect(res.status).toBe(200);
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * What is wrong with an answer, by the rules of both apps (docs/protocol.md, "HTTP"): never a 5xx,
 * and every 4xx in the one error body with the status of its code. Empty when nothing is.
 */
export function answerProblems(answer: Answer, { method = 'GET', path = '' } = {}): string[] {
  const { status, headers, body } = answer;
  if (status >= 500) return [`status ${status}: ${body.slice(0, 200)}`];
  if (status < 400 || method === 'HEAD') return [];
  // A reader's page (`/stories/:id`, docs/protocol.md, "Pages") answers a bad request or an unknown
  // story with an HTML page of its own, for a person, not with the API's error body.
  if (path.startsWith('/stories/') && String(headers['content-type']).startsWith('text/html'))
    return /^<!doctype html>/i.test(body) ? [] : [`an HTML error page without a doctype`];
  // The write API's outcome of a rejected report (`?wait=`) is not an error (docs/protocol.md).
  if (status === 422) return rejectedProblems(body);
  const problems: string[] = [];
  if (!String(headers['content-type']).startsWith('application/json'))
    problems.push(`content-type ${headers['content-type']}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [...problems, `not JSON: ${body.slice(0, 200)}`];
  }
  const error = (parsed as { error?: Record<string, unknown> } | null)?.error;
  if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).join() !== 'error')
    return [...problems, `not the error body: ${body.slice(0, 200)}`];
  if (typeof error !== 'object' || error === null) return [...problems, 'error is not an object'];
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'fields'].includes(k));
  if (extra.length > 0) problems.push(`unexpected keys ${extra.join()}`);
  const code = error.code as keyof typeof HTTP_ERROR_STATUS;
  if (HTTP_ERROR_STATUS[code] !== status)
    problems.push(`code ${String(code)} with status ${status}`);
  if (typeof error.message !== 'string' || error.message.length === 0) problems.push('no message');
  if (
    error.fields !== undefined &&
    !(
      Array.isArray(error.fields) &&
      error.fields.every(
        (f: unknown) =>
          typeof (f as { path?: unknown }).path === 'string' &&
          typeof (f as { message?: unknown }).message === 'string',
      )
    )
  )
    problems.push(`malformed fields ${JSON.stringify(error.fields).slice(0, 200)}`);
  return problems;
}

function rejectedProblems(body: string): string[] {
  try {
    const outcome = JSON.parse(body) as Record<string, unknown>;
    const keys = Object.keys(outcome).sort().join();
    return keys === 'code,message,reportId,status' && outcome.status === 'rejected'
      ? []
      : [`422 without the rejected outcome: ${body.slice(0, 200)}`];
  } catch {
    return [`422 not JSON: ${body.slice(0, 200)}`];
  }
}

/** One HTTP request exactly as given (path and headers unnormalised), answered in full. */
export function request(
  url: string,
  {
    method = 'GET',
    path = '/',
    headers = {},
    body,
    agent,
    timeoutMs = 30_000,
    localAddress,
  }: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: Uint8Array | string;
    agent?: http.Agent;
    timeoutMs?: number;
    /** The client's own address (another loopback address is another client). */
    localAddress?: string;
  },
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  // Node frames a body of DELETE or OPTIONS only with a Content-Length of its own: without it the
  // server reads the body as the next request on the connection.
  const framed =
    body === undefined
      ? headers
      : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, method, path, headers: framed, agent, localAddress, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw TCP connection that records what it receives and when it was closed. */
export class RawClient {
  received = '';
  closedAt: number | null = null;
  readonly openedAt = Date.now();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closedAt ??= Date.now()));
  }

  static connect(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  /** The status line's code of the first answer, if one arrived. */
  get status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received);
    return match ? Number(match[1]) : undefined;
  }

  /** The first answer's body, parsed. */
  get json(): unknown {
    const body = this.received.split('\r\n\r\n')[1];
    return body === undefined ? undefined : (JSON.parse(body) as unknown);
  }

  write(data: string): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Runs `work` over `items`, at most `concurrency` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  });
  await Promise.all(lanes);
}

/** Percentiles of a list of numbers (milliseconds), for the suites' figures. */
export function percentiles(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
