import { MissingStoryCache } from './missing-story.cache';

describe('the memory of a missing story', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('believes an empty load until its time-to-live is over', () => {
    const missing = new MissingStoryCache(1000, clock);
    missing.loaded(false, false);
    expect(missing.believed).toBe(true);
    expect(missing.lastLoadFoundNothing).toBe(true);
    now += 1000;
    expect(missing.believed).toBe(false);
  });

  it('does not believe an empty load once events of the story have arrived', () => {
    const missing = new MissingStoryCache(1000, clock);
    missing.loaded(false, true);
    expect(missing.believed).toBe(false);
    expect(missing.lastLoadFoundNothing).toBe(false);
  });

  it('forgets as soon as the story is found or heard of', () => {
    const missing = new MissingStoryCache(1000, clock);
    missing.loaded(false, false);
    missing.loaded(true, false);
    expect([missing.believed, missing.lastLoadFoundNothing]).toEqual([false, false]);
    missing.loaded(false, false);
    missing.heardOf();
    expect([missing.believed, missing.lastLoadFoundNothing]).toEqual([false, false]);
  });
});
