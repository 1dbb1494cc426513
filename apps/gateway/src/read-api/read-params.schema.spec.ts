import {
  eventsQuerySchema,
  parsePointInTime,
  parseQuery,
  storyQuerySchema,
} from './read-params.schema';

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
    if (!parsed.ok) expect(Object.keys(parsed.fields).length).toBeGreaterThan(0);
  });

  it('accepts at as a version or as an instant with a zone, normalised to UTC', () => {
    expect(parsePointInTime('42')).toEqual({ version: 42 });
    expect(parsePointInTime('2026-11-24T10:15:00+02:00')).toEqual({
      instant: '2026-11-24T08:15:00.000Z',
    });
    expect(parsePointInTime('2026-11-24T08:15Z')).toEqual({ instant: '2026-11-24T08:15:00.000Z' });
    expect(parseQuery(storyQuerySchema, { at: '2026-11-24T08:15:00.123Z' }).ok).toBe(true);
  });

  it.each([
    '-1',
    '1.5',
    'yesterday',
    '2026-11-24',
    '2026-11-24T08:15:00',
    '2026-13-40T99:99:99Z',
    '',
  ])('refuses at=%p', (at) => {
    expect(parsePointInTime(at)).toBeNull();
  });
});
