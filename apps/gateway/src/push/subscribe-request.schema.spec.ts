import { parseRequest, subscribeRequestSchema } from './subscribe-request.schema';

describe('subscribe requests', () => {
  it('takes a story id and an optional non-negative integer since', () => {
    expect(parseRequest(subscribeRequestSchema, { storyId: 'day-6' })).toEqual({
      ok: true,
      value: { storyId: 'day-6' },
    });
    expect(parseRequest(subscribeRequestSchema, { storyId: 'day-6', since: 0 })).toEqual({
      ok: true,
      value: { storyId: 'day-6', since: 0 },
    });
    expect(
      parseRequest(subscribeRequestSchema, { storyId: 'day-6', since: 12, extra: true }),
    ).toEqual({
      ok: true,
      value: { storyId: 'day-6', since: 12 },
    });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'day-6'],
    ['a number', 7],
    ['an array', [{ storyId: 'day-6' }]],
    ['since as a string', { storyId: 'day-6', since: '5' }],
    ['since negative', { storyId: 'day-6', since: -1 }],
    ['since fractional', { storyId: 'day-6', since: 0.5 }],
    ['since huge', { storyId: 'day-6', since: 1e308 }],
    ['since an operator', { storyId: 'day-6', since: { $gt: 0 } }],
    ['since null', { storyId: 'day-6', since: null }],
    ['a missing story id', { since: 1 }],
    ['an upper-case story id', { storyId: 'Day-6' }],
    ['a story id starting with a dash', { storyId: '-day' }],
    ['a story id with a wildcard', { storyId: 'day.>' }],
    ['a story id object', { storyId: { $ne: '' } }],
  ])('refuses %s with a reason', (_name, body) => {
    const parsed = parseRequest(subscribeRequestSchema, body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(0);
  });
});
