import fc from 'fast-check';

/**
 * Hostile input for the fuzz suites (test/hostile/fuzz-*.e2e-spec.ts): strings, numbers and JSON
 * built to break parsers, validators, sanitisers, databases and subjects, and report texts with a
 * known identity, so that the suites can tell which outcome each report must get.
 */

/** Values that broke, or could break, something somewhere. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\udc00\ud800',
  '\ufeff',
  '\u202e',
  '\u200b',
  '\u2028\u2029',
  '𝕏',
  '👩‍👩‍👧',
  'e\u0301',
  '\r\n',
  '\t',
  '\u001b[2J',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '<p style="color:red" onclick="x()">p</p>',
  '<svg><script>1</script></svg>',
  '<!--',
  ']]>',
  'javascript:alert(1)',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../etc/passwd',
  '%00',
  '%ff',
  '%',
  '\\',
  '"',
  "'; DROP TABLE events; --",
  '${7*7}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'null',
  'true',
  '[]',
  '{}',
  'a.b',
  'a*',
  'a>',
  'livefeed.events.x',
  'A'.repeat(65),
  'a'.repeat(129),
];

/** A string meant to break things: random, graphemes, lone surrogates, nasty, or huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('x', 'é', '👩‍👩‍👧', '<b>', '\ud800'),
        fc.integer({ min: 100, max: 25_000 }),
      )
      .map(([s, n]) => s.repeat(n)),
  },
);

/** Numbers at the edges; JSON turns NaN and the infinities into null. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, 5e-324, 0.1 + 0.2),
);

const key = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', '\u0000', '$gt'),
  },
);

/** Any JSON value, nested a little, with hostile leaves and keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Usually `good`, sometimes anything at all. */
const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: good as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: hostileValue },
  );

const text = (min: number, max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 60) }) },
    { weight: 1, arbitrary: hostileString },
  );
const entryId = fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'new-entry');
const html = fc.oneof(
  { weight: 3, arbitrary: text(1, 200).map((t) => `<p>${t}</p>`) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS.filter((s) => s.includes('<'))) },
);
const source = fc.record(
  { name: mostly(text(1, 200)), url: mostly(fc.webUrl()) },
  { requiredKeys: ['name'] },
);
const optional = { requiredKeys: [] as never[] };

/** `data` per report type: mostly plausible, sometimes wrong in type, size or content. */
const dataByType: Record<string, fc.Arbitrary<unknown>> = {
  'story.opened': fc.record(
    {
      title: mostly(text(1, 300)),
      summary: mostly(text(0, 2000)),
      visibility: mostly(fc.constantFrom('public', 'private')),
    },
    { requiredKeys: ['title'] },
  ),
  'story.updated': fc.record(
    { title: mostly(text(1, 300)), summary: mostly(text(0, 2000)) },
    optional,
  ),
  'story.closed': fc.record({ note: mostly(text(0, 500)) }, optional),
  'story.reopened': fc.constant({}),
  'entry.posted': fc.record(
    {
      entryId: mostly(entryId),
      body: mostly(html),
      kind: mostly(fc.constantFrom('update', 'breaking', 'statement', 'analysis')),
      sources: mostly(fc.array(source, { minLength: 1, maxLength: 3 })),
      source: mostly(source),
    },
    { requiredKeys: ['entryId', 'body'] },
  ),
  'entry.edited': fc.record(
    { entryId: mostly(entryId), body: mostly(html), correction: mostly(text(1, 500)) },
    { requiredKeys: ['entryId', 'body'] },
  ),
  'entry.retracted': fc.record({ entryId: mostly(entryId), reason: mostly(text(1, 500)) }),
  'entry.pinned': fc.record({ entryId: mostly(entryId) }),
  'entry.unpinned': fc.record({ entryId: mostly(entryId) }),
  'figure.reported': fc.record(
    {
      figureId: mostly(fc.constantFrom('deaths', 'injured', 'x')),
      label: mostly(text(1, 200)),
      value: mostly(hostileNumber),
      qualifier: mostly(fc.constantFrom('exact', 'approximately', 'at-least', 'at-most')),
      unit: mostly(text(0, 40)),
      source: mostly(source),
    },
    { requiredKeys: ['figureId', 'label', 'value', 'source'] },
  ),
};

const instant = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  fc.constantFrom(
    '2026-02-30T00:00:00Z',
    '2026-11-24T08:15:00',
    '+275760-09-13T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '2026-11-24T25:61:61Z',
    'now',
  ),
);

/** A report without its `id`: fields mostly plausible, any of them possibly hostile. */
const reportFields = (storyId: string) =>
  fc.constantFrom(...Object.keys(dataByType)).chain((type) =>
    fc.record(
      {
        storyId: fc.oneof(
          { weight: 6, arbitrary: fc.constant(storyId) },
          { weight: 1, arbitrary: hostileValue },
        ),
        type: fc.oneof(
          { weight: 12, arbitrary: fc.constant(type) },
          { weight: 1, arbitrary: hostileValue },
        ),
        author: mostly(text(1, 200)),
        occurredAt: mostly(instant),
        data: fc.oneof(
          { weight: 10, arbitrary: dataByType[type] },
          { weight: 1, arbitrary: hostileValue },
        ),
      },
      { requiredKeys: ['storyId', 'type', 'author', 'data'] },
    ),
  );

/** Changes to a report's JSON text (after its leading `{"id":…,`), most of them breaking it. */
const textMutation: fc.Arbitrary<(rest: string) => string> = fc.oneof(
  { weight: 12, arbitrary: fc.constant((rest: string) => rest) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      (rest: string) => `"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},${rest}`,
      (rest: string) => rest.replace('"data":{', '"data":{"__proto__":{"isAdmin":true},'),
      (rest: string) => `"type":"story.opened","type":"entry.posted",${rest}`,
      (rest: string) => rest.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, '1e309'),
      (rest: string) => rest.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, '-0'),
      (rest: string) => rest.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, 'NaN'),
      (rest: string) => rest.replace(/"[^"]*"/, '"\\ud800"'),
      (rest: string) => rest.replace(/"[^"]*"/, '"\\u0000"'),
      (rest: string) => `"deep":${'['.repeat(40)}${']'.repeat(40)},${rest}`,
      (rest: string) => `"deep":${'{"a":'.repeat(33)}1${'}'.repeat(33)},${rest}`,
      (rest: string) =>
        rest.replace('"data":{', `"data":{"n":${'['.repeat(5000)}${']'.repeat(5000)},`),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 2000 }).map((at) => (rest: string) => rest.slice(0, at)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom(
          '\u0000',
          ',,',
          '}',
          ']',
          '"',
          '\\u12',
          '\\x41',
          "'",
          '\n',
          '/*c*/',
          '"a":',
        ),
      )
      .map(
        ([at, junk]) =>
          (rest: string) =>
            rest.slice(0, at) + junk + rest.slice(at),
      ),
  },
);

/** Bytes that are not UTF-8, spliced into an encoded report. */
const byteMutation: fc.Arbitrary<(bytes: Uint8Array) => Uint8Array> = fc.oneof(
  { weight: 20, arbitrary: fc.constant((bytes: Uint8Array) => bytes) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80]),
      )
      .map(([at, junk]) => (bytes: Uint8Array) => {
        const cut = Math.min(at, bytes.length);
        return Buffer.concat([bytes.subarray(0, cut), Buffer.from(junk), bytes.subarray(cut)]);
      }),
  },
);

const enc = new TextEncoder();
/** NATS refuses messages over its max_payload (1 MiB by default): longer texts are cut short. */
const MAX_MESSAGE = 1_000_000;
const fitting = (bytes: Uint8Array) =>
  bytes.length > MAX_MESSAGE ? bytes.subarray(0, MAX_MESSAGE) : bytes;
/** Over the 256 KiB a report may have, by a little or by a lot (NATS carries 1 MiB at most). */
const oversized = fc.oneof(
  { weight: 300, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(256 * 1024 + 1, 300 * 1024, 600 * 1024) },
);

/**
 * How a fuzzed report is identified: `identified` texts start `{"id":"<its id>",` (the service must
 * decide it under that id), the others carry no usable id (it must be rejected as `seq:<n>`).
 */
export type FuzzReport = {
  readonly storyId: string;
  readonly bytes: Uint8Array;
  readonly id?: string;
  /** Publish with `Nats-Msg-Id`. */
  readonly msgId: boolean;
};

/** The contract's rule for a report id (docs/protocol.md, "Reports in"). */
export const isReportId = (id: unknown) =>
  typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id);

const noId = (text: string) =>
  !text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .includes('"id"');

/** A report on one of `stories`' subjects, given the id it must be decided under. */
export function fuzzReport(stories: readonly string[]): fc.Arbitrary<(id: string) => FuzzReport> {
  const story = fc.constantFrom(...stories);
  const identified = fc
    .tuple(story, fc.boolean(), byteMutation, textMutation, oversized)
    .chain(([storyId, msgId, bytes, mutate, oversize]) =>
      reportFields(storyId).map((fields) => (id: string) => {
        let rest = mutate(JSON.stringify(fields).slice(1));
        if (oversize !== null) rest = `"padding":"${'x'.repeat(oversize)}",${rest}`;
        const head = `{"id":${JSON.stringify(id)}${rest.length > 0 ? ',' : ''}`;
        const body = Buffer.concat([enc.encode(head), bytes(enc.encode(rest))]);
        return { storyId, id, msgId, bytes: fitting(body) };
      }),
    );
  const wrongId = fc
    .tuple(
      story,
      hostileValue.filter((v) => !isReportId(v)),
      textMutation,
    )
    .chain(([storyId, badId, mutate]) =>
      reportFields(storyId).map((fields) => () => {
        const rest = mutate(JSON.stringify(fields).slice(1));
        const text = `{"id":${JSON.stringify(badId) ?? 'null'}${rest.length > 0 ? ',' : ''}${rest}`;
        return { storyId, msgId: false, bytes: fitting(enc.encode(text)) };
      }),
    );
  const garbage = fc
    .tuple(
      story,
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc
          .string({ maxLength: 300 })
          .filter(noId)
          .map((s) => enc.encode(s)),
        fc
          .jsonValue({ maxDepth: 4 })
          .map((v) => JSON.stringify(v) ?? 'null')
          .filter(noId)
          .map((s) => enc.encode(s)),
        fc
          .constantFrom(
            '',
            ' ',
            'null',
            '[]',
            '{}',
            '{"storyId":"fz-0"}',
            '['.repeat(100_000),
            '{"a":'.repeat(20_000),
            `[${'['.repeat(50_000)}${']'.repeat(50_000)}]`,
          )
          .map((s) => enc.encode(s)),
      ),
    )
    .map(([storyId, bytes]) => () => ({ storyId, msgId: false, bytes }));
  return fc.oneof(
    { weight: 14, arbitrary: identified },
    { weight: 3, arbitrary: wrongId },
    { weight: 3, arbitrary: garbage },
  );
}
