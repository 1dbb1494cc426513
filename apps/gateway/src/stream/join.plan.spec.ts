import type { StoryEvent } from '@livefeed/domain';
import { loadPoint, planJoin, type JoinProgress, type JoinView } from './join.plan';
import { eventAt, events, stateAt } from './testing/stream.fixtures';

/** A loaded story at version 20, nothing cached. */
function view(overrides: Partial<JoinView> = {}): JoinView {
  return {
    closed: false,
    cursor: 20,
    committed: 20,
    visibility: 'public',
    snapshot: stateAt(20),
    cached: [],
    catchUpMax: 10,
    believedMissing: false,
    lastLoadFoundNothing: false,
    ...overrides,
  };
}

function subscriber(since: number | undefined, mayRead = true, isCurrent = true) {
  return { since, mayRead: () => mayRead, isCurrent: () => isCurrent };
}

const NOTHING_READ: JoinProgress = { loaded: false, read: [] };
const LOADED: JoinProgress = { loaded: true, read: [] };

const versions = (list: readonly StoryEvent[]) => list.map((e) => e.version);

describe('planning a join', () => {
  describe('when the stream is closed', () => {
    it('answers unavailable, whatever it knows', () => {
      expect(planJoin(view({ closed: true }), subscriber(3), NOTHING_READ)).toEqual({
        kind: 'refuse',
        outcome: { kind: 'unavailable', reason: 'shutting down' },
      });
    });
  });

  describe('when the story has not been loaded', () => {
    const unloaded = { visibility: undefined, snapshot: undefined };

    it('loads it first, even with the cursor known from live events', () => {
      expect(planJoin(view({ ...unloaded, cursor: 7 }), subscriber(3), NOTHING_READ)).toEqual({
        kind: 'load',
      });
      expect(
        planJoin(view({ ...unloaded, cursor: undefined }), subscriber(3), NOTHING_READ),
      ).toEqual({ kind: 'load' });
    });

    it('answers not-found without a read while the story is believed missing', () => {
      const plan = planJoin(
        view({ ...unloaded, believedMissing: true }),
        subscriber(undefined),
        NOTHING_READ,
      );
      expect(plan).toEqual({ kind: 'refuse', outcome: { kind: 'not-found' } });
    });

    it('answers not-found when its own load found nothing', () => {
      const missing = view({ ...unloaded, cursor: undefined, lastLoadFoundNothing: true });
      expect(planJoin(missing, subscriber(undefined), LOADED)).toEqual({
        kind: 'refuse',
        outcome: { kind: 'not-found' },
      });
    });

    it("loads again when the empty load was someone else's, before this join", () => {
      const missing = view({ ...unloaded, cursor: undefined, lastLoadFoundNothing: true });
      expect(planJoin(missing, subscriber(undefined), NOTHING_READ)).toEqual({ kind: 'load' });
    });
  });

  describe('when the subscriber may not follow', () => {
    it('refuses a private story to a reader without a grant', () => {
      expect(planJoin(view({ visibility: 'private' }), subscriber(3, false), NOTHING_READ)).toEqual(
        {
          kind: 'refuse',
          outcome: { kind: 'forbidden' },
        },
      );
    });

    it('drops a subscription that was withdrawn meanwhile', () => {
      expect(planJoin(view(), subscriber(3, true, false), NOTHING_READ)).toEqual({
        kind: 'refuse',
        outcome: { kind: 'cancelled' },
      });
    });

    it('says forbidden rather than cancelled when both hold', () => {
      expect(planJoin(view(), subscriber(3, false, false), NOTHING_READ)).toMatchObject({
        outcome: { kind: 'forbidden' },
      });
    });
  });

  describe('when the subscriber resumes within the catch-up limit', () => {
    it('sends the missed events from the cache', () => {
      const plan = planJoin(view({ cached: events(11, 20) }), subscriber(14), NOTHING_READ);
      expect(plan).toMatchObject({ kind: 'events', after: 14, source: 'cache' });
      expect(versions(plan.kind === 'events' ? plan.events : [])).toEqual([15, 16, 17, 18, 19, 20]);
    });

    it('sends nothing but keeps it live when it holds the cursor', () => {
      expect(planJoin(view(), subscriber(20), NOTHING_READ)).toEqual({
        kind: 'events',
        after: 20,
        events: [],
        source: 'none',
      });
    });

    it('reads the events the cache does not hold', () => {
      expect(planJoin(view({ cached: events(16, 20) }), subscriber(12), NOTHING_READ)).toEqual({
        kind: 'read-events',
      });
    });

    it('stitches the read to the events cached while it ran', () => {
      const progress = { loaded: false, read: events(11, 17) };
      const plan = planJoin(view({ cached: events(16, 20) }), subscriber(12), progress);
      expect(plan).toMatchObject({ kind: 'events', after: 12, source: 'database' });
      expect(versions(plan.kind === 'events' ? plan.events : [])).toEqual([
        13, 14, 15, 16, 17, 18, 19, 20,
      ]);
    });

    it('reads again when the cursor moved past both the read and the cache', () => {
      const progress = { loaded: false, read: events(11, 15) };
      expect(planJoin(view({ cached: events(18, 20) }), subscriber(12), progress)).toEqual({
        kind: 'read-events',
      });
    });
  });

  describe('when the subscriber is further behind than the catch-up limit', () => {
    it('sends the snapshot at the cursor instead of the events', () => {
      const plan = planJoin(view({ cached: events(1, 20) }), subscriber(5), NOTHING_READ);
      expect(plan).toEqual({ kind: 'snapshot', snapshot: stateAt(20), events: [], folded: false });
    });
  });

  describe('when the subscriber starts fresh', () => {
    it('loads first when there is no snapshot', () => {
      expect(planJoin(view({ snapshot: undefined }), subscriber(undefined), NOTHING_READ)).toEqual({
        kind: 'load',
      });
    });

    it('sends a snapshot that is ahead of the cursor as it is', () => {
      const plan = planJoin(view({ snapshot: stateAt(23) }), subscriber(undefined), NOTHING_READ);
      expect(plan).toEqual({ kind: 'snapshot', snapshot: stateAt(23), events: [], folded: false });
    });

    it('brings an older snapshot forward to the cursor with the cached events', () => {
      const plan = planJoin(
        view({ snapshot: stateAt(17), cached: events(15, 20) }),
        subscriber(undefined),
        NOTHING_READ,
      );
      expect(plan).toMatchObject({ kind: 'snapshot', events: [], folded: true });
      if (plan.kind !== 'snapshot') return;
      expect(plan.snapshot.version).toBe(20);
      expect(plan.snapshot.entries.map((e) => e.entryId).sort()).toEqual(['e18', 'e19', 'e20']);
    });

    it('loads a fresh snapshot when the events after an old one are not in memory', () => {
      const plan = planJoin(
        view({ snapshot: stateAt(12), cached: events(15, 20) }),
        subscriber(undefined),
        NOTHING_READ,
      );
      expect(plan).toEqual({ kind: 'load' });
    });

    it('sends a snapshot it cannot fold followed by the events, saying why', () => {
      const unknown = { ...eventAt(19), type: 'story.renamed' } as unknown as StoryEvent;
      const cached = [eventAt(18), unknown, eventAt(20)];
      const plan = planJoin(
        view({ snapshot: stateAt(17), cached }),
        subscriber(undefined),
        NOTHING_READ,
      );
      expect(plan).toMatchObject({ kind: 'snapshot', snapshot: stateAt(17), folded: false });
      if (plan.kind !== 'snapshot') return;
      expect(versions(plan.events)).toEqual([18, 19, 20]);
      expect(plan.foldError).toMatch(/story\.renamed/);
    });
  });

  describe('when the subscriber holds versions beyond the cursor', () => {
    it('lets it wait for the cursor when those versions are known to be committed', () => {
      expect(planJoin(view({ committed: 25 }), subscriber(23), NOTHING_READ)).toEqual({
        kind: 'ahead',
        holds: 23,
      });
    });

    it('asks the database before deciding it saw another history', () => {
      expect(planJoin(view(), subscriber(23), NOTHING_READ)).toEqual({ kind: 'load' });
    });

    it('sends a fresh snapshot once a load confirms the story is behind it', () => {
      expect(planJoin(view(), subscriber(23), LOADED)).toEqual({
        kind: 'snapshot',
        snapshot: stateAt(20),
        events: [],
        folded: false,
      });
    });
  });

  describe('what a load reads', () => {
    it('reads the state at the cursor when only a snapshot there is missing', () => {
      expect(loadPoint(view({ snapshot: undefined }), undefined)).toBe(20);
      expect(loadPoint(view({ snapshot: stateAt(12) }), 3)).toBe(20);
      expect(loadPoint(view(), 20)).toBe(20);
    });

    it('reads the current state for a story not known here yet', () => {
      expect(loadPoint(view({ visibility: undefined, snapshot: undefined }), undefined)).toBe(
        undefined,
      );
      expect(loadPoint(view({ cursor: undefined }), 3)).toBe(undefined);
    });

    it('reads the current state when a subscriber claims versions beyond the cursor', () => {
      expect(loadPoint(view(), 23)).toBe(undefined);
    });
  });
});
