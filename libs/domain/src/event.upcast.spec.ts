import type { StoryEvent } from './event.schema';
import { CURRENT_EVENT_SCHEMA, upcastEventData } from './event.upcast';
import { fold } from './story.evolve';
import {
  closed,
  edited,
  figure,
  history,
  MINISTRY,
  opened,
  pinned,
  posted,
  retracted,
  UN,
  type Fact,
} from './testing/story.fixtures';

/** An event as the first release stored it: `data` in schema version 1. */
type StoredEvent = { readonly schemaVersion: number; readonly event: StoryEvent };

/** What every read of the log does to a stored event. */
const read = ({ schemaVersion, event }: StoredEvent): StoryEvent =>
  ({ ...event, data: upcastEventData(event.type, schemaVersion, event.data) }) as StoryEvent;

/** The same history, stored by the first release: posts cite at most one `source`. */
const asVersion1 = (event: StoryEvent): StoredEvent => {
  if (event.type !== 'entry.posted') return { schemaVersion: 1, event };
  const { sources, ...data } = event.data;
  const v1 = sources === undefined ? data : { ...data, source: sources[0] };
  return { schemaVersion: 1, event: { ...event, data: v1 } as unknown as StoryEvent };
};

describe('the current event schema', () => {
  it('is version 2: entries cite sources', () => {
    expect(CURRENT_EVENT_SCHEMA).toBe(2);
  });
});

describe('an entry.posted of schema version 1', () => {
  const v1 = { entryId: 'e1', body: '<p>x</p>', kind: 'update', source: UN };

  it('cites its one source as a list of one', () => {
    expect(upcastEventData('entry.posted', 1, v1)).toStrictEqual({
      entryId: 'e1',
      body: '<p>x</p>',
      kind: 'update',
      sources: [UN],
    });
  });

  it('cites nothing, as today, when it had no source', () => {
    const none = { entryId: 'e1', body: '<p>x</p>', kind: 'update' };
    expect(upcastEventData('entry.posted', 1, none)).toStrictEqual(none);
    expect(upcastEventData('entry.posted', 1, { ...none, source: null })).toStrictEqual(none);
  });

  it('is left as it was stored', () => {
    const stored = structuredClone(v1);
    upcastEventData('entry.posted', 1, Object.freeze(stored));
    expect(stored).toStrictEqual(v1);
  });
});

describe('events of schema version 1 that did not change shape', () => {
  it.each([
    ['entry.edited', { entryId: 'e1', body: '<p>y</p>', correction: 'c' }],
    [
      'figure.reported',
      { figureId: 'f', label: 'l', value: 1, qualifier: 'exact', unit: null, source: UN },
    ],
    ['story.opened', { title: 'T', summary: null, visibility: 'public' }],
  ])('%s reads as stored', (type, data) => {
    expect(upcastEventData(type, 1, data)).toBe(data);
  });
});

describe('an event of the current schema version', () => {
  it('is returned as it is, the same object', () => {
    const data = { entryId: 'e1', body: '<p>x</p>', kind: 'update', sources: [UN, MINISTRY] };
    expect(upcastEventData('entry.posted', CURRENT_EVENT_SCHEMA, data)).toBe(data);
  });
});

describe('a schema version this code cannot read', () => {
  it('is refused when it is newer than this code, naming both versions', () => {
    expect(() => upcastEventData('entry.posted', CURRENT_EVENT_SCHEMA + 1, {})).toThrow(
      new RangeError(
        'entry.posted event has schema version 3, newer than this code knows (2): ' +
          'the log was written by a later release; upgrade before reading it',
      ),
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('is refused when it is %s', (version) => {
    expect(() => upcastEventData('story.opened', version, {})).toThrow(
      /^story\.opened event has schema version .*, which is not a positive integer$/,
    );
  });
});

describe('a log stored by the first release', () => {
  const facts: Fact[] = [
    opened(),
    posted('e1', { sources: [UN] }),
    posted('e2'),
    figure('deaths', 13, MINISTRY),
    edited('e1', '<p>New.</p>', 'Fixed.'),
    posted('e3', { sources: [MINISTRY] }),
    pinned('e3'),
    retracted('e2'),
    closed(),
  ];
  const today = history(facts);
  const stored = today.map(asVersion1);

  it('is stored in the older shape (the premise of the tests below)', () => {
    expect(stored[1].event.data).toEqual({
      entryId: 'e1',
      body: '<p>Entry e1.</p>',
      kind: 'update',
      source: UN,
    });
  });

  it('reads as the events of today', () => {
    expect(stored.map(read)).toEqual(today);
  });

  it('folds into the state the same history gives in today’s shape', () => {
    const state = fold(stored.map(read));
    expect(state).toEqual(fold(today));
    expect(state?.entries.map((e) => [e.entryId, e.sources, e.source])).toEqual([
      ['e3', [MINISTRY], MINISTRY],
      ['e2', [], null],
      ['e1', [UN], UN],
    ]);
  });

  it('folds the same when old and new events mix', () => {
    const mixed = [
      ...stored.slice(0, 4),
      ...today.slice(4).map((event) => ({ schemaVersion: 2, event })),
    ];
    expect(fold(mixed.map(read))).toEqual(fold(today));
  });
});
