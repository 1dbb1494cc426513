import { fold } from '@livefeed/domain';
import { DEFER_MARKED, ReferenceModel, random, scenario } from '../testing/scenario.fixture';
import { at, openTestStore, type TestStore } from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

describe('a long day of mixed reports over many stories', () => {
  const stories = Array.from({ length: 12 }, (_, i) => `day-${i}`);

  it('decides as a complete in-memory model would, and the projection equals the folded log', async () => {
    const reports = scenario(42, stories, 4_000);
    const reference = new ReferenceModel();
    const rand = random(7);
    let tick = 1_000;
    const seen = { accepted: 0, rejected: 0, deferred: 0, waiting: 0, duplicate: 0 };
    for (let i = 0; i < reports.length;) {
      const batch = reports.slice(i, (i += 1 + Math.floor(rand() * 150)));
      const now = at((tick += 1));
      const expected = reference.commit(batch, now);
      expect(await t.store.commitBatch(batch, now, DEFER_MARKED)).toEqual(expected);
      for (const result of expected) {
        seen[result.kind] += 1;
        if ('duplicate' in result && result.duplicate) seen.duplicate += 1;
      }
    }

    // The scenario exercises every path, not just the happy one.
    expect(seen.accepted).toBeGreaterThan(1_500);
    expect(seen.rejected).toBeGreaterThan(200);
    expect(seen.deferred).toBeGreaterThan(50);
    expect(seen.duplicate).toBeGreaterThan(50);
    for (const story of stories) {
      const events = await t.store.readEvents(story, 0, 100_000);
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
      const projected = await t.store.getStory(story);
      expect(projected).toEqual(fold(events));
      expect(projected).toEqual(reference.states.get(story));
    }
  }, 60_000);
});
