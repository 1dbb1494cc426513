import { nestsDeeperThan, peekTopLevelString } from './json.scanner';
import {
  parseReportBytes,
  validateReport,
  type ParseResult,
  type ReportContext,
} from './report.parse';
import { LIMITS, REPORT_TYPES } from './report.schema';
import { STORY } from './testing/story.fixtures';

const ctx: ReportContext = { subjectStoryId: STORY, fallbackId: 'seq:42' };
const utf8 = (text: string) => new TextEncoder().encode(text);

const filed = {
  id: 'rpt-2026-11-24-0001',
  storyId: STORY,
  type: 'entry.posted',
  author: 'desk:caucasus',
  occurredAt: '2026-11-24T08:15:00Z',
  data: { entryId: 'e1', body: '<p>Shelling reported overnight.</p>' },
};
/** The example report with `data` (or the envelope) changed. */
const filedWith = (change: Record<string, unknown>, data?: Record<string, unknown>) => ({
  ...filed,
  ...change,
  ...(data ? { data: { ...filed.data, ...data } } : {}),
});
const figureReport = (data: Record<string, unknown>) => ({
  ...filed,
  type: 'figure.reported',
  data: {
    figureId: 'civilian-deaths',
    label: 'Civilians killed',
    value: 13,
    source: { name: 'UN' },
    ...data,
  },
});

function rejection(result: ParseResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.report)}`);
  return result.rejection;
}

describe('a well-formed report', () => {
  it('parses, with defaults filled', () => {
    expect(parseReportBytes(utf8(JSON.stringify(filed)), ctx)).toEqual({
      ok: true,
      report: { ...filed, data: { ...filed.data, kind: 'update' } },
    });
  });

  it('parses an entry citing sources, in their order', () => {
    const sources = [{ name: 'Wire', url: 'https://wire.example/1' }, { name: 'Ministry' }];
    const result = validateReport(filedWith({}, { sources }), ctx);
    expect(result.ok && result.report.data).toEqual({ ...filed.data, kind: 'update', sources });
  });

  it('parses an entry citing one source in the older shape, as filed', () => {
    const source = { name: 'Wire', url: 'https://wire.example/1' };
    const result = validateReport(filedWith({}, { source }), ctx);
    expect(result.ok && result.report.data).toEqual({ ...filed.data, kind: 'update', source });
  });

  it('parses without an occurredAt', () => {
    const { occurredAt: _omitted, ...rest } = filed;
    const result = parseReportBytes(utf8(JSON.stringify(rest)), ctx);
    expect(result.ok && result.report.occurredAt).toBeUndefined();
  });

  it('parses when it starts with a UTF-8 byte-order mark', () => {
    expect(parseReportBytes(utf8(`\ufeff${JSON.stringify(filed)}`), ctx).ok).toBe(true);
  });

  it('drops fields the contract does not define', () => {
    const result = parseReportBytes(utf8(JSON.stringify({ ...filed, extra: 1 })), ctx);
    expect(result.ok && 'extra' in result.report).toBe(false);
  });

  it('keeps text outside the Basic Multilingual Plane', () => {
    const result = parseReportBytes(
      utf8(JSON.stringify(filedWith({ author: 'desk 📰 \ud83d\ude00' }))),
      ctx,
    );
    expect(result.ok && result.report.author).toBe('desk 📰 😀');
  });

  it('needs no storyId in the body when the route implies it', () => {
    const { storyId: _omitted, ...rest } = filed;
    const result = parseReportBytes(utf8(JSON.stringify(rest)), { ...ctx, impliedStoryId: STORY });
    expect(result.ok && result.report.storyId).toBe(STORY);
  });
});

describe('a report over 256 KiB', () => {
  const sized = (bytes: number) => {
    const base = JSON.stringify(filedWith({}, { body: '' }));
    const body = 'x'.repeat(bytes - base.length);
    return utf8(JSON.stringify(filedWith({}, { body })));
  };

  it('is refused by its size, under its own id', () => {
    expect(rejection(parseReportBytes(sized(LIMITS.reportBytes + 1), ctx))).toEqual({
      reportId: filed.id,
      storyId: STORY,
      code: 'invalid',
      message: 'report is 262145 bytes, over the 262144-byte limit',
    });
  });

  it('is refused under the fallback id when its id cannot be found', () => {
    const bytes = utf8(`[${'1,'.repeat(LIMITS.reportBytes)}1]`);
    expect(rejection(parseReportBytes(bytes, ctx))).toMatchObject({
      reportId: 'seq:42',
      message: `report is ${bytes.byteLength} bytes, over the 262144-byte limit`,
    });
  });

  it('is accepted at exactly 262144 bytes (the body is judged after sanitising, later)', () => {
    const bytes = sized(LIMITS.reportBytes);
    expect(bytes.byteLength).toBe(262_144);
    expect(parseReportBytes(bytes, ctx).ok).toBe(true);
  });
});

describe('a report that is not UTF-8', () => {
  it.each([
    ['a stray continuation byte', [0x80]],
    ['an invalid byte', [0xff]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('is refused for %s', (_what, bad) => {
    const [head, tail] = JSON.stringify(filed).split('Shelling');
    const bytes = new Uint8Array([...utf8(head), ...bad, ...utf8(tail)]);
    expect(rejection(parseReportBytes(bytes, ctx))).toEqual({
      reportId: filed.id,
      storyId: STORY,
      code: 'invalid',
      message: 'report is not valid UTF-8',
    });
  });
});

describe('a report nested too deep', () => {
  it.each([
    ['arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['arrays, unclosed', '['.repeat(100_000)],
    ['objects, unclosed', '{"a":'.repeat(52_000)],
  ])('is refused without recursion: 100,000 levels of %s', (_what, text) => {
    expect(rejection(parseReportBytes(utf8(text), ctx))).toEqual({
      reportId: 'seq:42',
      storyId: STORY,
      code: 'invalid',
      message: 'report nests deeper than 32 levels',
    });
  });

  it('is measured without recursion at 100,000 levels of {"a":', () => {
    expect(
      nestsDeeperThan('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), LIMITS.jsonDepth),
    ).toBe(true);
  });

  it('is refused under its own id when the id comes first', () => {
    const text = `{"id":"rpt-deep","data":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect(rejection(parseReportBytes(utf8(text), ctx)).reportId).toBe('rpt-deep');
  });

  it('is refused at 33 levels and accepted at 32', () => {
    const nest = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const withExtra = (levels: number) =>
      utf8(JSON.stringify(filed).replace(/}$/, `,"extra":${nest(levels)}}`));
    expect(parseReportBytes(withExtra(31), ctx).ok).toBe(true);
    expect(rejection(parseReportBytes(withExtra(32), ctx)).message).toBe(
      'report nests deeper than 32 levels',
    );
  });

  it('does not count brackets inside strings', () => {
    const body = `<p>${'[{'.repeat(1000)}\\"${'['.repeat(100)}</p>`;
    expect(parseReportBytes(utf8(JSON.stringify(filedWith({}, { body }))), ctx).ok).toBe(true);
  });

  it('is refused when handed over already parsed, 100,000 levels deep', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(rejection(validateReport({ ...filed, data: deep }, ctx)).message).toBe(
      'report nests deeper than 32 levels',
    );
  });
});

describe('a report that is not JSON', () => {
  it.each([
    ['truncated', '{"id":"rpt-2026-11-24-0001","storyId":"karabakh-day-6",'],
    ['with trailing garbage', `${JSON.stringify(filed)} x`],
    ['with single quotes', "{'id':'rpt-2026-11-24-0001'}"],
  ])('is refused as malformed JSON when %s', (_what, text) => {
    const refused = rejection(parseReportBytes(utf8(text), ctx));
    expect(refused.message).toMatch(/^malformed JSON: /);
    expect(refused.code).toBe('invalid');
  });

  it('is refused under its own id when the id can be read', () => {
    const text =
      '{"id":"rpt-2026-11-24-0001","storyId":"karabakh-day-6","data":{"body":"unterminated';
    expect(rejection(parseReportBytes(utf8(text), ctx)).reportId).toBe('rpt-2026-11-24-0001');
  });

  it('is refused with a message that carries no control characters', () => {
    // V8 quotes the offending text in its message, NUL and all.
    const refused = rejection(parseReportBytes(utf8('{"id":x\u0000\u0001}'), ctx));
    expect(refused.message).toMatch(/^malformed JSON: /);
    expect([...refused.message].filter((c) => c < ' ')).toEqual([]);
  });

  it('is refused when empty', () => {
    expect(rejection(parseReportBytes(new Uint8Array(), ctx)).message).toMatch(/^malformed JSON: /);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"report"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('is refused when the JSON is %s', (what, text) => {
    expect(rejection(parseReportBytes(utf8(text), ctx)).message).toBe(
      `report must be a JSON object, not ${what}`,
    );
  });
});

describe('a report with text PostgreSQL cannot store', () => {
  it('is refused for U+0000 in a value', () => {
    const text = JSON.stringify(filed).replace('Shelling', 'Shel\\u0000ling');
    expect(rejection(parseReportBytes(utf8(text), ctx))).toEqual({
      reportId: filed.id,
      storyId: STORY,
      code: 'invalid',
      message: 'data.body: contains U+0000 (NUL), which cannot be stored',
      fields: { 'data.body': 'contains U+0000 (NUL), which cannot be stored' },
    });
  });

  it('is refused for U+0000 in a key, even a key the schema ignores', () => {
    const text = JSON.stringify(filed).replace('"entryId"', '"x\\u0000y":1,"entryId"');
    expect(rejection(parseReportBytes(utf8(text), ctx))).toMatchObject({
      message: 'data.x\\u0000y: key contains U+0000 (NUL), which cannot be stored',
      fields: { 'data.x\\u0000y': 'key contains U+0000 (NUL), which cannot be stored' },
    });
  });

  it.each([
    ['a lone high surrogate', '\\ud800', 'D800'],
    ['a lone low surrogate', '\\udc00', 'DC00'],
    ['a reversed pair', '\\ude00\\ud83d', 'DE00'],
  ])('is refused for %s written as a JSON escape', (_what, escape, code) => {
    const text = JSON.stringify(filed).replace('desk:caucasus', `desk${escape}`);
    expect(rejection(parseReportBytes(utf8(text), ctx))).toMatchObject({
      message: `author: contains an unpaired surrogate U+${code}, which cannot be stored`,
    });
  });

  it('is refused for a lone surrogate in an array deep inside', () => {
    const result = validateReport({ ...filed, extra: [[1, ['ok', '\ud800']]] }, ctx);
    expect(rejection(result).fields).toEqual({
      'extra.0.1.1': 'contains an unpaired surrogate U+D800, which cannot be stored',
    });
  });
});

describe('a report that breaks the schema', () => {
  it('is refused for another story than the subject names, under the body story', () => {
    expect(rejection(validateReport(filedWith({ storyId: 'other-story' }), ctx))).toEqual({
      reportId: filed.id,
      storyId: 'other-story',
      code: 'invalid',
      message: `storyId other-story does not match subject token ${STORY}`,
      fields: { storyId: `storyId other-story does not match subject token ${STORY}` },
    });
  });

  it('is checked against no subject when there is none', () => {
    expect(validateReport(filedWith({ storyId: 'other-story' }), { fallbackId: 'x' }).ok).toBe(
      true,
    );
  });

  it('is refused for an unknown type, listing the valid ones', () => {
    const refused = rejection(validateReport(filedWith({ type: 'entry.deleted' }), ctx));
    const expected = `unknown type "entry.deleted"; valid types are ${REPORT_TYPES.join(', ')}`;
    expect(refused.message).toBe(`type: ${expected}`);
    expect(refused.fields).toEqual({ type: expected });
  });

  it('is refused for a missing type', () => {
    const { type: _omitted, ...rest } = filed;
    expect(rejection(validateReport(rest, ctx)).fields?.type).toMatch(
      /^is required; valid types are story.opened/,
    );
  });

  it.each<[string, Record<string, unknown>, string, string | RegExp]>([
    ['a missing author', { author: undefined }, 'author', 'is required'],
    ['an empty author', { author: '' }, 'author', /Too small/],
    ['an author of 201 characters', { author: 'a'.repeat(201) }, 'author', /Too big/],
    ['a missing data', { data: undefined }, 'data', 'is required'],
    ['data as an array', { data: [] }, 'data', /expected object/],
    ['an id with a space', { id: 'rpt 1' }, 'id', 'must be 1-128 chars of [A-Za-z0-9._:-]'],
    ['an id of 129 characters', { id: 'r'.repeat(129) }, 'id', /1-128/],
    ['a storyId in capitals', { storyId: 'Karabakh' }, 'storyId', /must match/],
    [
      'an occurredAt that is no date',
      { occurredAt: 'yesterday' },
      'occurredAt',
      'must be an ISO-8601 instant',
    ],
    [
      'an occurredAt on 30 February',
      { occurredAt: '2026-02-30T08:00:00Z' },
      'occurredAt',
      /ISO-8601/,
    ],
    [
      'an occurredAt without a zone',
      { occurredAt: '2026-11-24T08:15:00' },
      'occurredAt',
      /ISO-8601/,
    ],
    ['an occurredAt as a number', { occurredAt: 1_795_508_100_000 }, 'occurredAt', /ISO-8601/],
    ['an occurredAt in year 0', { occurredAt: '0000-06-01T00:00:00Z' }, 'occurredAt', /0001/],
    [
      'an occurredAt that is year 0 in UTC',
      { occurredAt: '0001-01-01T00:30:00+01:00' },
      'occurredAt',
      /between the years 0001 and 9999/,
    ],
    [
      'an occurredAt past 9999 in UTC',
      { occurredAt: '9999-12-31T23:30:00-01:00' },
      'occurredAt',
      /between the years 0001 and 9999/,
    ],
  ])('is refused for %s', (_what, change, field, message) => {
    const refused = rejection(validateReport(filedWith(change), ctx));
    expect(refused.fields?.[field]).toEqual(
      typeof message === 'string' ? message : expect.stringMatching(message),
    );
    expect(refused.message).toContain(`${field}: `);
  });

  it.each<[string, Record<string, unknown>, string, string | RegExp]>([
    ['a missing entryId', { entryId: undefined }, 'data.entryId', 'is required'],
    ['an entryId with a slash', { entryId: 'e/1' }, 'data.entryId', /must match/],
    ['an empty body', { body: '' }, 'data.body', /Too small/],
    ['an unknown kind', { kind: 'rumour' }, 'data.kind', /expected one of "update"/],
    [
      'a source without a name',
      { source: { url: 'https://a.example' } },
      'data.source.name',
      'is required',
    ],
    [
      'a javascript: source url',
      { source: { name: 'n', url: 'javascript:alert(1)' } },
      'data.source.url',
      'must be an http or https URL',
    ],
    [
      'an ftp source url',
      { source: { name: 'n', url: 'ftp://a.example/x' } },
      'data.source.url',
      /http or https/,
    ],
    [
      'a source url that is no URL',
      { source: { name: 'n', url: 'not a url' } },
      'data.source.url',
      /http or https/,
    ],
    ['an empty list of sources', { sources: [] }, 'data.sources', /Too small/],
    [
      '11 sources',
      { sources: Array.from({ length: 11 }, (_, i) => ({ name: `s${i}` })) },
      'data.sources',
      /Too big: expected array to have <=10 items/,
    ],
    ['sources that are no list', { sources: { name: 'n' } }, 'data.sources', /expected array/],
    [
      'a source of the list without a name',
      { sources: [{}] },
      'data.sources.0.name',
      'is required',
    ],
    [
      'a javascript: url in the second source',
      { sources: [{ name: 'a' }, { name: 'b', url: 'javascript:alert(1)' }] },
      'data.sources.1.url',
      'must be an http or https URL',
    ],
    [
      'a source name of 201 characters',
      { sources: [{ name: 'n'.repeat(201) }] },
      'data.sources.0.name',
      /Too big/,
    ],
    [
      'both sources and the older single source',
      { sources: [{ name: 'a' }], source: { name: 'a' } },
      'data.source',
      'give either sources or the older single source, not both',
    ],
  ])('is refused for %s in entry.posted', (_what, data, field, message) => {
    const refused = rejection(validateReport(filedWith({}, data), ctx));
    expect(refused.fields?.[field]).toEqual(
      typeof message === 'string' ? message : expect.stringMatching(message),
    );
  });

  it('is refused for a body over 256 KiB handed over already parsed', () => {
    const refused = rejection(
      validateReport(filedWith({}, { body: 'x'.repeat(LIMITS.reportBytes + 1) }), ctx),
    );
    expect(refused.message).toMatch(/^data\.body: Too big/);
  });

  it.each<[string, Record<string, unknown>, string, string | RegExp]>([
    ['a negative value', { value: -1 }, 'data.value', /Too small: expected number to be >=0/],
    ['a value as text', { value: '13' }, 'data.value', /expected number/],
    ['a figureId in capitals', { figureId: 'Deaths' }, 'data.figureId', /must match/],
    ['an unknown qualifier', { qualifier: 'roughly' }, 'data.qualifier', /expected one of/],
    ['a unit of 41 characters', { unit: 'u'.repeat(41) }, 'data.unit', /Too big/],
    ['a missing source', { source: undefined }, 'data.source', 'is required'],
  ])('is refused for %s in figure.reported', (_what, data, field, message) => {
    const refused = rejection(validateReport(figureReport(data), ctx));
    expect(refused.fields?.[field]).toEqual(
      typeof message === 'string' ? message : expect.stringMatching(message),
    );
  });

  it('is refused for 1e400, which JSON.parse turns into Infinity', () => {
    const text = JSON.stringify(figureReport({ value: 13 })).replace('"value":13', '"value":1e400');
    expect(rejection(parseReportBytes(utf8(text), ctx)).fields).toEqual({
      'data.value': 'Invalid input: expected number, received Infinity',
    });
  });

  it.each([NaN, -Infinity])('is refused for %s handed over already parsed', (value) => {
    expect(rejection(validateReport(figureReport({ value }), ctx)).fields?.['data.value']).toMatch(
      /expected number/,
    );
  });

  it('is refused under its own id when only the rest is wrong', () => {
    expect(rejection(validateReport(filedWith({ author: '' }), ctx)).reportId).toBe(filed.id);
  });

  it('is refused under the fallback id, and the subject story, when its own are malformed', () => {
    expect(
      rejection(validateReport(filedWith({ id: 'bad id', storyId: 'Bad' }), ctx)),
    ).toMatchObject({
      reportId: 'seq:42',
      storyId: STORY,
    });
  });

  it('is refused under an empty story when nothing names a valid one', () => {
    expect(rejection(validateReport({}, { fallbackId: 'seq:1' })).storyId).toBe('');
  });

  it('names the first three problems and counts the rest', () => {
    const refused = rejection(
      validateReport(
        { id: 1, storyId: 2, type: 'story.opened', author: 3, data: { title: 4 } },
        ctx,
      ),
    );
    expect(refused.message).toBe(
      'id: Invalid input: expected string, received number; ' +
        'storyId: Invalid input: expected string, received number; ' +
        'author: Invalid input: expected string, received number; and 1 more',
    );
    expect(Object.keys(refused.fields ?? {})).toEqual(['id', 'storyId', 'author', 'data.title']);
  });
});

describe('peeking at the id of unparseable text', () => {
  it.each([
    ['{"storyId":"s","id":"rpt-1",', 'rpt-1'],
    [' { "data" : {"id":"inner","x":[1,{"id":"deeper"}]} , "id" : "rpt-\\u0032" ', 'rpt-2'],
    ['{"a":"has \\"id\\":\\"fake\\"","id":"real"', 'real'],
    ['{"n":-1.5e3,"t":true,"id":"after-scalars"', 'after-scalars'],
    ['{"data":{"body":"unterminated', undefined],
    ['["id","rpt-1"]', undefined],
    ['{"id":7}', undefined],
  ])('finds it in %s', (text, id) => {
    expect(peekTopLevelString(text, 'id')).toBe(id);
  });
});
