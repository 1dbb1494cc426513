import type { StoryEvent } from './event.schema';
import { evolve, fold } from './story.evolve';
import type { StoryState } from './story.state';
import {
  AUTHOR,
  closed,
  edited,
  figure,
  history,
  minute,
  MINISTRY,
  opened,
  pinned,
  posted,
  reopened,
  retracted,
  STORY,
  toEvent,
  UN,
  unpinned,
  updated,
  type Fact,
} from './testing/story.fixtures';

const stateAfter = (facts: readonly Fact[]): StoryState => {
  const state = fold(history(facts));
  if (state === null) throw new Error('no story');
  return state;
};
const entryIds = (state: StoryState) => state.entries.map((e) => e.entryId);

describe('after story.opened', () => {
  it('is a live story with no entries or figures, opened and updated when it happened', () => {
    expect(stateAfter([opened({ summary: 'Day six.', visibility: 'private' })])).toEqual({
      id: STORY,
      title: 'Karabakh, day 6',
      summary: 'Day six.',
      status: 'live',
      visibility: 'private',
      version: 1,
      openedAt: minute(1),
      updatedAt: minute(1),
      entries: [],
      figures: [],
    });
  });
});

describe('after story events', () => {
  it('takes the new title and keeps the summary', () => {
    const state = stateAfter([opened({ summary: 'S' }), updated({ title: 'T2' })]);
    expect([state.title, state.summary]).toEqual(['T2', 'S']);
  });

  it('takes the new summary and keeps the title', () => {
    const state = stateAfter([opened(), updated({ summary: 'S2' })]);
    expect([state.title, state.summary]).toEqual(['Karabakh, day 6', 'S2']);
  });

  it('is closed, then live again', () => {
    expect(stateAfter([opened(), closed()]).status).toBe('closed');
    expect(stateAfter([opened(), closed(), reopened()]).status).toBe('live');
  });

  it('carries the version and occurredAt of the latest event, keeping openedAt', () => {
    const state = stateAfter([
      opened(),
      posted('e1'),
      { ...closed(), occurredAt: '2026-11-24T07:00:00.000Z' },
    ]);
    expect([state.version, state.openedAt, state.updatedAt]).toEqual([
      3,
      minute(1),
      '2026-11-24T07:00:00.000Z',
    ]);
  });
});

describe('after entry.posted', () => {
  it('holds the entry: by its author, unedited, unpinned, citing nothing unless it says', () => {
    const state = stateAfter([opened(), posted('e1', { kind: 'breaking' })]);
    expect(state.entries).toEqual([
      {
        entryId: 'e1',
        kind: 'breaking',
        body: '<p>Entry e1.</p>',
        author: AUTHOR,
        sources: [],
        source: null,
        postedAt: minute(2),
        editedAt: null,
        corrections: [],
        pinned: false,
        retracted: null,
      },
    ]);
  });

  it('keeps the sources as given, in their order', () => {
    const state = stateAfter([
      opened(),
      posted('e1', { sources: [UN, MINISTRY] }),
      posted('e2', { sources: [MINISTRY] }),
    ]);
    expect(state.entries.map((e) => e.sources)).toEqual([[MINISTRY], [UN, MINISTRY]]);
  });

  it('names the first source as the source, for readers that know only one', () => {
    const state = stateAfter([opened(), posted('e1', { sources: [UN, MINISTRY] }), posted('e2')]);
    expect(state.entries.map((e) => e.source)).toEqual([null, UN]);
  });

  it('lists entries newest first by postedAt', () => {
    const state = stateAfter([
      opened(),
      posted('e1', {}, '2026-11-24T08:10:00.000Z'),
      posted('e2', {}, '2026-11-24T08:30:00.000Z'),
      posted('late-filed', {}, '2026-11-24T08:20:00.000Z'),
      posted('backdated', {}, '2026-11-24T08:00:00.000Z'),
    ]);
    expect(entryIds(state)).toEqual(['e2', 'late-filed', 'e1', 'backdated']);
  });

  it('lists entries posted at the same instant newest version first', () => {
    const at = '2026-11-24T08:15:00.000Z';
    const state = stateAfter([
      opened(),
      posted('a', {}, at),
      posted('earlier', {}, '2026-11-24T08:14:59.999Z'),
      posted('b', {}, at),
      posted('c', {}, at),
    ]);
    expect(entryIds(state)).toEqual(['c', 'b', 'a', 'earlier']);
  });
});

describe('after entry.edited', () => {
  it('holds the new body and when it was edited, with no correction unless given', () => {
    const state = stateAfter([opened(), posted('e1'), edited('e1', '<p>New.</p>')]);
    expect(state.entries[0]).toMatchObject({
      body: '<p>New.</p>',
      editedAt: minute(3),
      corrections: [],
    });
  });

  it('appends each correction with its time, keeping postedAt', () => {
    const state = stateAfter([
      opened(),
      posted('e1'),
      edited('e1', '<p>v2</p>', 'Town misnamed.'),
      edited('e1', '<p>v3</p>'),
      edited('e1', '<p>v4</p>', 'Figure corrected.'),
    ]);
    expect(state.entries[0]).toMatchObject({
      body: '<p>v4</p>',
      postedAt: minute(2),
      editedAt: minute(5),
      corrections: [
        { note: 'Town misnamed.', at: minute(3) },
        { note: 'Figure corrected.', at: minute(5) },
      ],
    });
  });
});

describe('after entry.retracted', () => {
  it('keeps the entry in its place, emptied, unpinned, saying why and when', () => {
    const state = stateAfter([
      opened(),
      posted('e1'),
      posted('e2'),
      pinned('e1'),
      retracted('e1', 'Could not be verified.'),
    ]);
    expect(entryIds(state)).toEqual(['e2', 'e1']);
    expect(state.entries[1]).toEqual({
      entryId: 'e1',
      kind: 'update',
      body: null,
      author: AUTHOR,
      sources: [],
      source: null,
      postedAt: minute(2),
      editedAt: null,
      corrections: [],
      pinned: false,
      retracted: { reason: 'Could not be verified.', at: minute(5) },
    });
  });
});

describe('after entry.pinned and entry.unpinned', () => {
  it('is pinned, then not', () => {
    expect(stateAfter([opened(), posted('e1'), pinned('e1')]).entries[0].pinned).toBe(true);
    expect(
      stateAfter([opened(), posted('e1'), pinned('e1'), unpinned('e1')]).entries[0].pinned,
    ).toBe(false);
  });
});

describe('after figure.reported', () => {
  it('holds the figure with the claim of its source', () => {
    expect(stateAfter([opened(), figure('civilian-deaths', 13, MINISTRY)]).figures).toEqual([
      {
        figureId: 'civilian-deaths',
        label: 'Civilians killed',
        unit: null,
        bySource: [{ source: MINISTRY, value: 13, qualifier: 'exact', reportedAt: minute(2) }],
      },
    ]);
  });

  it('lists figures in the order they were first reported', () => {
    const state = stateAfter([
      opened(),
      figure('deaths', 1, MINISTRY),
      figure('displaced', 2, MINISTRY),
      figure('deaths', 3, UN),
    ]);
    expect(state.figures.map((f) => f.figureId)).toEqual(['deaths', 'displaced']);
  });

  it("replaces a source's value where it stands, in the order sources first reported", () => {
    const state = stateAfter([
      opened(),
      figure('deaths', 10, MINISTRY),
      figure('deaths', 12, UN, { qualifier: 'at-least' }),
      figure('deaths', 13, MINISTRY, { qualifier: 'approximately' }),
    ]);
    expect(state.figures[0].bySource).toEqual([
      { source: MINISTRY, value: 13, qualifier: 'approximately', reportedAt: minute(4) },
      { source: UN, value: 12, qualifier: 'at-least', reportedAt: minute(3) },
    ]);
  });

  it('keeps a source as its latest report gave it, url or not', () => {
    const state = stateAfter([
      opened(),
      figure('deaths', 10, UN),
      figure('deaths', 11, { name: UN.name }),
    ]);
    expect(state.figures[0].bySource).toEqual([
      { source: { name: UN.name }, value: 11, qualifier: 'exact', reportedAt: minute(3) },
    ]);
  });

  it('takes the label and unit of the latest report', () => {
    const state = stateAfter([
      opened(),
      figure('displaced', 10, UN, { label: 'Displaced', unit: 'people' }),
      figure('displaced', 11, MINISTRY, { label: 'People displaced', unit: 'families' }),
    ]);
    expect(state.figures[0]).toMatchObject({ label: 'People displaced', unit: 'families' });
  });
});

describe('evolve itself', () => {
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(deepFreeze);
      Object.freeze(value);
    }
    return value;
  };

  it('never mutates the state or the event it is given', () => {
    const events = history([
      opened(),
      posted('e1', { sources: [UN, MINISTRY] }),
      posted('e2'),
      edited('e1', '<p>x</p>', 'fix'),
      pinned('e2'),
      unpinned('e2'),
      retracted('e2'),
      figure('deaths', 1, UN),
      figure('deaths', 2, UN),
      figure('deaths', 3, MINISTRY),
      updated({ title: 'T', summary: 'S' }),
      closed(),
      reopened(),
    ]);
    const logged = JSON.stringify(events);
    let state: StoryState | null = null;
    for (const event of events) {
      // Frozen, so that any write throws (modules run in strict mode); compared, to be sure.
      const previous = deepFreeze(state);
      const before = JSON.stringify(previous);
      state = evolve(previous, deepFreeze(event));
      expect(JSON.stringify(previous)).toBe(before);
    }
    expect(JSON.stringify(events)).toBe(logged);
    expect(state?.version).toBe(13);
  });

  it('shares no object with the event, so changing the state cannot rewrite history', () => {
    const [open, post] = history([opened(), posted('e1', { sources: [UN] })]);
    const state = evolve(evolve(null, open), post);
    const cited = post.type === 'entry.posted' ? post.data.sources : undefined;
    expect(state.entries[0].sources).toEqual(cited);
    expect(state.entries[0].sources).not.toBe(cited);
    expect(state.entries[0].sources[0]).not.toBe(cited?.[0]);
    expect(state.entries[0].source).not.toBe(cited?.[0]);
  });

  it('refuses an event of a story that was never opened', () => {
    expect(() => evolve(null, toEvent(posted('e1'), 1))).toThrow(
      `cannot apply entry.posted (version 1): story ${STORY} was never opened`,
    );
  });

  it('changes no entry for an event naming an entry it does not hold', () => {
    const state = stateAfter([opened(), posted('e1')]);
    const next = evolve(state, toEvent(pinned('e9'), 3));
    expect(next).toEqual({ ...state, version: 3, updatedAt: minute(3) });
  });
});

describe('fold', () => {
  it('is null for no events and no initial state', () => {
    expect(fold([])).toBeNull();
  });

  it('is the initial state for no events', () => {
    const state = stateAfter([opened()]);
    expect(fold([], state)).toBe(state);
  });

  it('continues from a state as if it had folded from the start', () => {
    const events: StoryEvent[] = history([opened(), posted('e1'), posted('e2'), pinned('e1')]);
    expect(fold(events.slice(2), fold(events.slice(0, 2)))).toEqual(fold(events));
  });

  it('takes any iterable', () => {
    const events = history([opened(), posted('e1')]);
    expect(fold(new Set(events))).toEqual(fold(events));
  });
});
