import { decide, validateReport } from '@livefeed/domain';
import { eventLine, jsonLines, reportLine, type ParsedLine } from './report.lines';

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text);
const lines = (text: string | Uint8Array) =>
  [...jsonLines(typeof text === 'string' ? bytes(text) : text)].map(({ line, bytes: b }) => [
    line,
    new TextDecoder().decode(b),
  ]);
const report = (extra: Record<string, unknown> = {}) => ({
  id: 'r1',
  storyId: 's1',
  type: 'entry.posted',
  author: 'desk:test',
  data: { entryId: 'e1', body: '<p>hi</p>' },
  ...extra,
});
const brokenOf = (parsed: ParsedLine) => (parsed.ok ? undefined : parsed.broken.error);

describe('a JSON-lines file', () => {
  it('is cut at \\n and \\r\\n, numbered as an editor numbers it, blank lines skipped', () => {
    expect(lines('a\n\nb\r\n  \r\nc')).toEqual([
      [1, 'a'],
      [3, 'b'],
      [5, 'c'],
    ]);
    expect(lines('a\n')).toEqual([[1, 'a']]);
    expect(lines('')).toEqual([]);
    expect(lines('\n\n\t\n')).toEqual([]);
  });

  it('may start with a UTF-8 byte-order mark', () => {
    expect(lines(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('x\ny')]))).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
  });
});

describe('a line of a publish file', () => {
  it('is a report to file, with its id and story, sent as written', () => {
    const text = JSON.stringify(report({ extra: 'kept as written' }));
    const parsed = reportLine(4, bytes(text));
    expect(parsed).toEqual({
      ok: true,
      filing: { line: 4, reportId: 'r1', storyId: 's1', bytes: bytes(text) },
    });
  });

  it.each([
    ['not JSON', '{"id":', /malformed JSON/],
    ['not an object', '[1,2]', /must be a JSON object/],
    ['a string', '"hello"', /must be a JSON object/],
    ['without a story', JSON.stringify(report({ storyId: undefined })), /storyId: is required/],
    ['with a story id no subject can carry', JSON.stringify(report({ storyId: 'a.b' })), /storyId/],
    ['with a bad id', JSON.stringify(report({ id: 'has space' })), /^id: /],
    ['of an unknown type', JSON.stringify(report({ type: 'entry.deleted' })), /unknown type/],
    [
      'missing a field of its type',
      JSON.stringify(report({ data: { entryId: 'e1' } })),
      /data.body/,
    ],
    ['too deep', `${'['.repeat(40)}${']'.repeat(40)}`, /deeper than 32/],
    ['with a NUL', JSON.stringify(report({ author: 'a\u0000b' })), /U\+0000/],
  ])('is broken when %s', (_what, text, error) => {
    expect(brokenOf(reportLine(2, bytes(text)))).toMatch(error);
  });

  it('is broken when it is not UTF-8, or over 256 KiB', () => {
    expect(brokenOf(reportLine(1, new Uint8Array([0x7b, 0xff, 0x7d])))).toMatch(/not valid UTF-8/);
    const huge = JSON.stringify(report({ data: { entryId: 'e1', body: 'x'.repeat(300_000) } }));
    expect(brokenOf(reportLine(1, bytes(huge)))).toMatch(/over the 262144-byte limit/);
  });

  it('is filed when only the story can refuse it: that is a rejection, an outcome', () => {
    const edit = report({ type: 'entry.edited', data: { entryId: 'nowhere', body: '<p>x</p>' } });
    expect(reportLine(1, bytes(JSON.stringify(edit))).ok).toBe(true);
  });
});

describe('a line of an import file', () => {
  const NOW = '2026-11-24T08:15:00.412Z';
  const decided = (raw: Record<string, unknown>) => {
    const parsed = validateReport(raw, { fallbackId: 'x' });
    if (!parsed.ok) throw new Error(parsed.rejection.message);
    return parsed.report;
  };

  it('is the report the event came from: deciding it again makes the same event', () => {
    const opened = decide(
      null,
      decided({ ...report({ type: 'story.opened' }), data: { title: 'T' } }),
      NOW,
    );
    if (!opened.ok) throw new Error('not accepted');
    // Stored: summary null (none given), visibility filled in; occurredAt defaulted to `now`.
    expect(opened.event.data).toEqual({ title: 'T', summary: null, visibility: 'public' });
    const parsed = eventLine(7, bytes(JSON.stringify(opened.event)));
    if (!parsed.ok) throw new Error(parsed.broken.error);
    const filed = JSON.parse(new TextDecoder().decode(parsed.filing.bytes));
    expect(filed).toEqual({
      id: 'r1',
      storyId: 's1',
      type: 'story.opened',
      author: 'desk:test',
      occurredAt: NOW,
      data: { title: 'T', visibility: 'public' },
    });
    const again = decide(null, decided(filed), '2027-01-01T00:00:00.000Z');
    expect(again).toEqual({
      ok: true,
      event: { ...opened.event, recordedAt: '2027-01-01T00:00:00.000Z' },
    });
  });

  it('drops stored nulls inside the data too (a figure without a unit)', () => {
    const event = {
      storyId: 's1',
      version: 3,
      type: 'figure.reported',
      data: {
        figureId: 'f',
        label: 'L',
        value: 0,
        qualifier: 'exact',
        unit: null,
        source: { name: 'N', url: null },
      },
      reportId: 'f1',
      author: 'a',
      occurredAt: NOW,
      recordedAt: NOW,
    };
    const parsed = eventLine(1, bytes(JSON.stringify(event)));
    if (!parsed.ok) throw new Error(parsed.broken.error);
    expect(JSON.parse(new TextDecoder().decode(parsed.filing.bytes)).data).toEqual({
      figureId: 'f',
      label: 'L',
      value: 0,
      qualifier: 'exact',
      source: { name: 'N' },
    });
  });

  it.each([
    ['not JSON', 'nope', /malformed JSON/],
    ['not an object', 'null', /not an event/],
    ['a report, not an event', JSON.stringify(report()), /reportId, occurredAt must be strings/],
    [
      'an event without data',
      JSON.stringify({
        reportId: 'a',
        storyId: 's',
        type: 'story.reopened',
        author: 'a',
        occurredAt: NOW,
      }),
      /data must be an object/,
    ],
    [
      'an event of an unknown type',
      JSON.stringify({
        reportId: 'a',
        storyId: 's',
        type: 'x',
        author: 'a',
        occurredAt: NOW,
        data: {},
      }),
      /unknown type/,
    ],
  ])('is broken when %s', (_what, text, error) => {
    expect(brokenOf(eventLine(3, bytes(text)))).toMatch(error);
  });
});
