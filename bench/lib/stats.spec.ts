import { bySecond, summarise } from './stats';

describe('bySecond', () => {
  it('groups latencies by the whole second from the start to their stamp, and summarises each', () => {
    const start = 1_000_000;
    const latencies = [5, 7, 300, 9, 11];
    const stamps = [start, start + 999, start + 1000, start + 2500, start + 2999];
    expect(bySecond(latencies, stamps, start)).toEqual([
      { second: 0, ...summarise([5, 7]) },
      { second: 1, ...summarise([300]) },
      { second: 2, ...summarise([9, 11]) },
    ]);
  });

  it('keeps an empty second as a count of 0, and counts a stamp before the start in second 0', () => {
    const seconds = bySecond([4, 8], [990, 4_100], 1_000);
    expect(seconds.map((s) => [s.second, s.count])).toEqual([
      [0, 1],
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    expect(seconds[0].p99).toBe(4);
    expect(seconds[3].p99).toBe(8);
  });

  it('refuses values without a stamp each', () => {
    expect(() => bySecond([1, 2], [0], 0)).toThrow(RangeError);
  });

  it('has nothing to say about no samples', () => {
    expect(bySecond([], [], 0)).toEqual([]);
  });
});
