import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles from 250 ms', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt))).toEqual([250, 500, 1000, 2000]);
  });

  it('stops growing at the cap, however long the outage', () => {
    expect(backoffDelay(6)).toBe(10_000);
    expect(backoffDelay(10_000)).toBe(10_000);
    expect(backoffDelay(3, { initialMs: 100, maxMs: 500 })).toBe(500);
  });
});
