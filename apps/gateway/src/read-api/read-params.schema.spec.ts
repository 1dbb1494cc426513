import {
  eventsQuerySchema,
  parsePointInTime,
  parseQuery,
  storyQuerySchema,
} from './read-params.schema';

const fieldsOf = (parsed: ReturnType<typeof parseQuery>) => (parsed.ok ? [] : parsed.fields);

describe('read API parameters', () => {
  it('reads after and limit as integers, each optional', () => {
    expect(parseQuery(eventsQuerySchema, { after: '5', limit: '1000' })).toEqual({
      ok: true,
      value: { after: 5, limit: 1000 },
    });
    expect(parseQuery(eventsQuerySchema, {})).toEqual({ ok: true, value: {} });
    expect(parseQuery(eventsQuerySchema, undefined)).toEqual({ ok: true, value: {} });
  });

  it.each([
    ['a repeated parameter', { after: ['1', '2'] }],
    ['an object', { after: { $gt: '0' } }],
    ['a bracketed key (simple parser)', { 'after[$gt]': '0' }],
    ['an unknown parameter', { offset: '1' }],
    ['a negative', { after: '-1' }],
    ['an exponent', { after: '1e3' }],
    ['a fraction', { limit: '1.5' }],
    ['a limit of zero', { limit: '0' }],
    ['a limit over 1000', { limit: '1001' }],
    ['an empty value', { after: '' }],
    ['a number beyond safe integers', { after: '9999999999999999' }],
    ['spaces', { after: ' 1' }],
  ])('refuses %s', (_name, query) => {
    const parsed = parseQuery(eventsQuerySchema, query);
    expect(parsed.ok).toBe(false);
    expect(fieldsOf(parsed).length).toBeGreaterThan(0);
  });

  it('names each refused parameter with a path and a message', () => {
    expect(fieldsOf(parseQuery(eventsQuerySchema, { after: ['1', '2'], offset: '1' }))).toEqual(
      expect.arrayContaining([
        { path: 'after', message: 'must be given once, as a plain value' },
        { path: 'offset', message: 'unknown parameter' },
      ]),
    );
  });

  describe('versions, which the store keeps in integer columns', () => {
    it('accepts after up to 2^31-1 and refuses 2^31', () => {
      expect(parseQuery(eventsQuerySchema, { after: '2147483647' })).toEqual({
        ok: true,
        value: { after: 2147483647 },
      });
      expect(fieldsOf(parseQuery(eventsQuerySchema, { after: '2147483648' }))).toEqual([
        { path: 'after', message: 'must be at most 2147483647' },
      ]);
    });

    it('accepts at up to 2^31-1 and refuses 2^31', () => {
      expect(parseQuery(storyQuerySchema, { at: '2147483647' })).toEqual({
        ok: true,
        value: { at: { version: 2147483647 } },
      });
      expect(fieldsOf(parseQuery(storyQuerySchema, { at: '2147483648' }))).toEqual([
        { path: 'at', message: 'a version is at most 2147483647' },
      ]);
    });

    it('accepts a limit from 1 to 1000', () => {
      expect(parseQuery(eventsQuerySchema, { limit: '1' }).ok).toBe(true);
      expect(parseQuery(eventsQuerySchema, { limit: '1000' }).ok).toBe(true);
      expect(fieldsOf(parseQuery(eventsQuerySchema, { limit: '0' }))).toEqual([
        { path: 'limit', message: 'must be at least 1' },
      ]);
      expect(fieldsOf(parseQuery(eventsQuerySchema, { limit: '1001' }))).toEqual([
        { path: 'limit', message: 'must be at most 1000' },
      ]);
    });
  });

  it('accepts at as a version or as an instant with a zone, normalised to UTC', () => {
    expect(parsePointInTime('42')).toEqual({ ok: true, value: { version: 42 } });
    expect(parsePointInTime('2026-11-24T10:15:00+02:00')).toEqual({
      ok: true,
      value: { instant: '2026-11-24T08:15:00.000Z' },
    });
    expect(parsePointInTime('2026-11-24T08:15Z')).toEqual({
      ok: true,
      value: { instant: '2026-11-24T08:15:00.000Z' },
    });
    expect(parseQuery(storyQuerySchema, { at: '2026-11-24T08:15:00.123Z' })).toEqual({
      ok: true,
      value: { at: { instant: '2026-11-24T08:15:00.123Z' } },
    });
  });

  it.each([
    '-1',
    '1.5',
    'yesterday',
    '2026-11-24',
    '2026-11-24T08:15:00',
    '2026-13-40T99:99:99Z',
    '2026-02-30T08:15:00Z',
    '2026-04-31T08:15:00Z',
    '',
  ])('refuses at=%p', (at) => {
    expect(parsePointInTime(at).ok).toBe(false);
    expect(parseQuery(storyQuerySchema, { at }).ok).toBe(false);
  });

  describe('instants, which must be 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z in UTC', () => {
    it.each([
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
      ['0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z'],
      ['0001-01-01T01:00:00+01:00', '0001-01-01T00:00:00.000Z'],
      ['0000-12-31T23:00:00-01:00', '0001-01-01T00:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      ['9999-12-31T23:59:59.9999999Z', '9999-12-31T23:59:59.999Z'],
      ['9999-12-31T22:59:59.999-01:00', '9999-12-31T23:59:59.999Z'],
      ['9999-12-31T23:59:59.999+00:00', '9999-12-31T23:59:59.999Z'],
    ])('accepts %s (%s)', (at, utc) => {
      expect(parsePointInTime(at)).toEqual({ ok: true, value: { instant: utc } });
    });

    it.each([
      '0000-12-31T23:59:59.999Z',
      '0001-01-01T00:00:00+01:00',
      '0001-01-01T00:59:59.999+01:00',
      '9999-12-31T23:59:59-01:00',
      '9999-12-31T23:00:00.000-01:00',
      '0000-01-01T00:00:00Z',
    ])('refuses %s', (at) => {
      expect(parsePointInTime(at)).toEqual({
        ok: false,
        message: 'an instant is from 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z in UTC',
      });
      expect(fieldsOf(parseQuery(storyQuerySchema, { at }))).toEqual([
        {
          path: 'at',
          message: 'an instant is from 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z in UTC',
        },
      ]);
    });
  });
});
