import { formatEta, formatRate, PlainProgress } from './progress';

describe('progress without a terminal', () => {
  it('prints plain lines with counts, rate and ETA, and a final one', () => {
    const printed: string[] = [];
    const progress = new PlainProgress(
      'publish',
      [
        { label: 'published', total: 10, unit: 'reports' },
        { label: 'decided', total: 10, unit: 'reports' },
      ],
      (line) => printed.push(line),
      0,
    );
    progress.update(0, 4);
    progress.log('a note');
    progress.update(0, 10);
    progress.update(1, 10);
    progress.stop();
    progress.update(1, 3);
    expect(printed[0]).toMatch(
      /^publish: published 4\/10 reports \(.+\/s, ETA .+\), decided 0\/10 reports/,
    );
    expect(printed[1]).toBe('a note');
    expect(printed[printed.length - 1]).toBe(
      'publish: published 10/10 reports, decided 10/10 reports',
    );
  });
});

describe('rate and ETA', () => {
  it('reads well at any speed', () => {
    expect(formatRate(0)).toBe('0.0');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(1234.6)).toBe('1235');
    expect(formatEta(0, 0)).toBe('0s');
    expect(formatEta(10, 0)).toBe('?');
    expect(formatEta(10, 4)).toBe('3s');
    expect(formatEta(600, 4)).toBe('2m30s');
    expect(formatEta(36_000, 4)).toBe('2h30m');
  });
});
