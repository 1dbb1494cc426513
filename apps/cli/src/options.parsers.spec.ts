import { STORY_ID } from '@livefeed/domain';
import { filePath, positiveInteger, positiveNumber, seconds, storyId } from './options.parsers';

describe('option values', () => {
  it('--rate and --pace take a positive number, and nothing else', () => {
    expect(positiveNumber('2.5')).toBe(2.5);
    expect(positiveNumber('1000')).toBe(1000);
    for (const bad of ['0', '-1', '', ' ', 'abc', 'NaN', 'Infinity', '1e400', '5/s'])
      expect(() => positiveNumber(bad)).toThrow('must be a positive number');
  });

  it('--wait takes seconds from 0 to a day', () => {
    expect(seconds('0')).toBe(0);
    expect(seconds('0.5')).toBe(0.5);
    expect(seconds('86400')).toBe(86_400);
    for (const bad of ['-1', '', 'soon', '86401', 'Infinity'])
      expect(() => seconds(bad)).toThrow('seconds from 0 to 86400');
  });

  it('--from takes a whole number from 1', () => {
    expect(positiveInteger('1')).toBe(1);
    expect(positiveInteger('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['0', '-3', '1.5', '1e3', '', ' 7', '0x10', '9007199254740993'])
      expect(() => positiveInteger(bad)).toThrow('whole number');
  });

  it('--story takes a story id as the domain defines it', () => {
    expect(storyId('storm-maren-1')).toBe('storm-maren-1');
    for (const bad of ['', 'Upper', '-lead', 'a.b', 'a b', 'x'.repeat(65), 'a>', '*'])
      expect(() => storyId(bad)).toThrow('must be a story id');
  });

  it('--to takes a path, not an empty one', () => {
    expect(filePath('out/story.jsonl')).toBe('out/story.jsonl');
    for (const bad of ['', '  ']) expect(() => filePath(bad)).toThrow('must be a file path');
  });

  it('--story agrees with the domain on every id (its pattern is copied to keep --help fast)', () => {
    for (const id of ['a', 'a-b', '0', '9-', 'x'.repeat(64), 'x'.repeat(65), 'A', 'a_b', '-', ''])
      expect([id, passes(id)]).toEqual([id, STORY_ID.test(id)]);
  });
});

function passes(id: string): boolean {
  try {
    storyId(id);
    return true;
  } catch {
    return false;
  }
}
