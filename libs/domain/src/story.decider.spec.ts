import type { Report } from './report.schema';
import { decide } from './story.decider';
import type { StoryState } from './story.state';
import { given } from './testing/decider.specification';
import {
  closed,
  edited,
  figure,
  MINISTRY,
  NOW,
  opened,
  pinned,
  posted,
  rejected,
  report,
  retracted,
  STORY,
  UN,
  unpinned,
} from './testing/story.fixtures';

const live = [opened()];
const withEntry = [opened(), posted('e1')];

describe('when the story does not exist', () => {
  it('opens it: public, no summary, unless told otherwise', () => {
    given([])
      .when(report('story.opened', { title: 'Karabakh, day 6' }))
      .then({
        type: 'story.opened',
        data: { title: 'Karabakh, day 6', summary: null, visibility: 'public' },
      });
  });

  it('opens it with the summary and visibility given', () => {
    given([])
      .when(
        report('story.opened', {
          title: 'Talks',
          summary: 'Behind closed doors',
          visibility: 'private',
        }),
      )
      .then({
        type: 'story.opened',
        data: { title: 'Talks', summary: 'Behind closed doors', visibility: 'private' },
      });
  });

  it.each<[string, Report]>([
    ['story.updated', report('story.updated', { title: 'New' })],
    ['story.closed', report('story.closed', {})],
    ['story.reopened', report('story.reopened', {})],
    ['entry.posted', report('entry.posted', { entryId: 'e1', body: '<p>x</p>' })],
    ['entry.edited', report('entry.edited', { entryId: 'e1', body: '<p>x</p>' })],
    ['entry.retracted', report('entry.retracted', { entryId: 'e1', reason: 'wrong' })],
    ['entry.pinned', report('entry.pinned', { entryId: 'e1' })],
    ['entry.unpinned', report('entry.unpinned', { entryId: 'e1' })],
    [
      'figure.reported',
      report('figure.reported', { figureId: 'f', label: 'l', value: 1, source: MINISTRY }),
    ],
  ])('rejects %s as an unknown story', (_type, filed) => {
    given([])
      .when(filed)
      .then(rejected('unknown-story', `story ${STORY} does not exist`));
  });
});

describe('when the story is live', () => {
  it('rejects opening it again', () => {
    given(live)
      .when(report('story.opened', { title: 'Again' }))
      .then(rejected('story-exists', `story ${STORY} already exists`));
  });

  it('updates the title, leaving the summary alone', () => {
    given(live)
      .when(report('story.updated', { title: 'Karabakh, day 7' }))
      .then({ type: 'story.updated', data: { title: 'Karabakh, day 7' } });
  });

  it('updates the summary alone', () => {
    given(live)
      .when(report('story.updated', { summary: 'Ceasefire talks resume.' }))
      .then({ type: 'story.updated', data: { summary: 'Ceasefire talks resume.' } });
  });

  it('accepts an update where one of two fields changes', () => {
    given(live)
      .when(report('story.updated', { title: 'Karabakh, day 6', summary: 'New summary' }))
      .then({ type: 'story.updated', data: { title: 'Karabakh, day 6', summary: 'New summary' } });
  });

  it('rejects an update that names neither title nor summary', () => {
    given(live)
      .when(report('story.updated', {}))
      .then(rejected('no-change', /names neither title nor summary/));
  });

  it('rejects an update that changes nothing', () => {
    given([opened({ summary: 'As before' })])
      .when(report('story.updated', { title: 'Karabakh, day 6', summary: 'As before' }))
      .then(rejected('no-change', `story ${STORY} already has that title and summary`));
  });

  it('closes it, keeping the note', () => {
    given(live)
      .when(report('story.closed', { note: 'Coverage continues tomorrow.' }))
      .then({ type: 'story.closed', data: { note: 'Coverage continues tomorrow.' } });
  });

  it('closes it without a note', () => {
    given(live).when(report('story.closed', {})).then({ type: 'story.closed', data: {} });
  });

  it('rejects a reopen', () => {
    given(live)
      .when(report('story.reopened', {}))
      .then(rejected('no-change', `story ${STORY} is already live`));
  });

  it('posts an entry: an update without source by default', () => {
    given(live)
      .when(report('entry.posted', { entryId: 'e1', body: '<p>Shelling reported overnight.</p>' }))
      .then({
        type: 'entry.posted',
        data: { entryId: 'e1', body: '<p>Shelling reported overnight.</p>', kind: 'update' },
      });
  });

  it('posts an entry with the kind and sources given, in their order', () => {
    given(live)
      .when(
        report('entry.posted', {
          entryId: 'e1',
          body: '<p>Statement.</p>',
          kind: 'statement',
          sources: [UN, MINISTRY],
        }),
      )
      .then({
        type: 'entry.posted',
        data: {
          entryId: 'e1',
          body: '<p>Statement.</p>',
          kind: 'statement',
          sources: [UN, MINISTRY],
        },
      });
  });

  it('takes the older single source as a list of one', () => {
    given(live)
      .when(report('entry.posted', { entryId: 'e1', body: '<p>Old tool.</p>', source: UN }))
      .then({
        type: 'entry.posted',
        data: { entryId: 'e1', body: '<p>Old tool.</p>', kind: 'update', sources: [UN] },
      });
  });

  it('keeps only the name and url of each source, and no object of the report', () => {
    const filed = { name: 'Wire', url: 'https://wire.example/1', trust: 'high' };
    const posting = report('entry.posted', { entryId: 'e1', body: '<p>x</p>', sources: [filed] });
    const { decision } = given(live).when(posting);
    const data = decision.ok ? decision.event.data : undefined;
    const sources = data && 'sources' in data ? data.sources : undefined;
    expect(sources).toStrictEqual([{ name: 'Wire', url: 'https://wire.example/1' }]);
    expect(sources).not.toBe(posting.data.sources);
    expect(sources?.[0]).not.toBe(posting.data.sources?.[0]);
  });

  it('stores the sanitised body, not the one filed', () => {
    given(live)
      .when(
        report('entry.posted', {
          entryId: 'e1',
          body: '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">there</a></p>',
        }),
      )
      .then({
        type: 'entry.posted',
        data: { entryId: 'e1', body: '<p>Hi there</p>', kind: 'update' },
      });
  });

  it('rejects a body that is empty once sanitised', () => {
    given(live)
      .when(report('entry.posted', { entryId: 'e1', body: '<script>alert(1)</script>' }))
      .then(
        rejected('invalid', 'data.body: the sanitised body is empty', {
          'data.body': 'the sanitised body is empty',
        }),
      );
  });

  it('rejects a body over 20000 characters once sanitised', () => {
    given(live)
      .when(report('entry.posted', { entryId: 'e1', body: 'x'.repeat(20_001) }))
      .then(
        rejected(
          'invalid',
          /data\.body: the sanitised body is 20001 characters, over the 20000-character limit/,
          { 'data.body': /20001/ },
        ),
      );
  });

  it('accepts a body of exactly 20000 characters', () => {
    given(live)
      .when(report('entry.posted', { entryId: 'e1', body: 'x'.repeat(20_000) }))
      .then({
        type: 'entry.posted',
        data: { entryId: 'e1', body: 'x'.repeat(20_000), kind: 'update' },
      });
  });

  it('accepts a long filed body that is short once sanitised', () => {
    const body = `<p>Short.</p><script>${'x'.repeat(30_000)}</script>`;
    given(live)
      .when(report('entry.posted', { entryId: 'e1', body }))
      .then({
        type: 'entry.posted',
        data: { entryId: 'e1', body: '<p>Short.</p>', kind: 'update' },
      });
  });

  it('rejects an entry id already used', () => {
    given(withEntry)
      .when(report('entry.posted', { entryId: 'e1', body: '<p>Again.</p>' }))
      .then(rejected('entry-exists', `entry e1 already exists in story ${STORY}`));
  });

  it('reports a figure: exact, without unit, by default', () => {
    given(live)
      .when(
        report('figure.reported', {
          figureId: 'civilian-deaths',
          label: 'Civilians killed',
          value: 13,
          source: MINISTRY,
        }),
      )
      .then(figure('civilian-deaths', 13, MINISTRY));
  });

  it('reports a figure with the qualifier, unit and source url given', () => {
    given(live)
      .when(
        report('figure.reported', {
          figureId: 'displaced',
          label: 'People displaced',
          value: 12_500.5,
          qualifier: 'at-least',
          unit: 'people',
          source: UN,
        }),
      )
      .then(
        figure('displaced', 12_500.5, UN, {
          label: 'People displaced',
          qualifier: 'at-least',
          unit: 'people',
        }),
      );
  });

  it('reports zero as zero, never as -0', () => {
    const { decision } = given(live).when(
      report('figure.reported', { figureId: 'f', label: 'l', value: -0, source: MINISTRY }),
    );
    expect(
      decision.ok &&
        decision.event.type === 'figure.reported' &&
        Object.is(decision.event.data.value, 0),
    ).toBe(true);
  });

  it.each<[string, Report]>([
    ['an edit', report('entry.edited', { entryId: 'e9', body: '<p>x</p>' })],
    ['a retraction', report('entry.retracted', { entryId: 'e9', reason: 'wrong' })],
    ['a pin', report('entry.pinned', { entryId: 'e9' })],
    ['an unpin', report('entry.unpinned', { entryId: 'e9' })],
  ])('rejects %s of an entry that does not exist', (_what, filed) => {
    given(withEntry)
      .when(filed)
      .then(rejected('unknown-entry', `entry e9 does not exist in story ${STORY}`));
  });
});

describe('when the story is closed', () => {
  const closedStory = [opened(), posted('e1'), closed()];

  it('rejects closing it again', () => {
    given(closedStory)
      .when(report('story.closed', {}))
      .then(rejected('story-closed', `story ${STORY} is already closed`));
  });

  it('reopens it', () => {
    given(closedStory)
      .when(report('story.reopened', {}))
      .then({ type: 'story.reopened', data: {} });
  });

  it('rejects a new entry', () => {
    given(closedStory)
      .when(report('entry.posted', { entryId: 'e2', body: '<p>Late.</p>' }))
      .then(rejected('story-closed', `story ${STORY} is closed`));
  });

  it('rejects a figure', () => {
    given(closedStory)
      .when(report('figure.reported', { figureId: 'f', label: 'l', value: 1, source: MINISTRY }))
      .then(rejected('story-closed', `story ${STORY} is closed`));
  });

  it('still takes a correction to an entry', () => {
    given(closedStory)
      .when(
        report('entry.edited', {
          entryId: 'e1',
          body: '<p>Fixed.</p>',
          correction: 'Name corrected.',
        }),
      )
      .then(edited('e1', '<p>Fixed.</p>', 'Name corrected.'));
  });

  it('still takes a new title', () => {
    given(closedStory)
      .when(report('story.updated', { title: 'Karabakh, day 6 (closed)' }))
      .then({ type: 'story.updated', data: { title: 'Karabakh, day 6 (closed)' } });
  });
});

describe('when the entry is live', () => {
  it('edits its body, sanitised', () => {
    given(withEntry)
      .when(report('entry.edited', { entryId: 'e1', body: '<p style="color:red">Updated.</p>' }))
      .then(edited('e1', '<p>Updated.</p>'));
  });

  it('edits with a public correction note', () => {
    given(withEntry)
      .when(
        report('entry.edited', {
          entryId: 'e1',
          body: '<p>Fixed.</p>',
          correction: 'Town misnamed.',
        }),
      )
      .then(edited('e1', '<p>Fixed.</p>', 'Town misnamed.'));
  });

  it('rejects an edit to the same body', () => {
    given(withEntry)
      .when(report('entry.edited', { entryId: 'e1', body: '<p>Entry e1.</p>' }))
      .then(rejected('no-change', `entry e1 in story ${STORY} already has that body`));
  });

  it('rejects an edit whose body only differs in what sanitising removes', () => {
    given(withEntry)
      .when(
        report('entry.edited', {
          entryId: 'e1',
          body: '<p class="lead" onclick="x()">Entry e1.</p>',
        }),
      )
      .then(rejected('no-change', /already has that body/));
  });

  it('accepts the same body with a correction note', () => {
    given(withEntry)
      .when(
        report('entry.edited', {
          entryId: 'e1',
          body: '<p>Entry e1.</p>',
          correction: 'Source added.',
        }),
      )
      .then(edited('e1', '<p>Entry e1.</p>', 'Source added.'));
  });

  it('rejects an edit that sanitises to nothing', () => {
    given(withEntry)
      .when(
        report('entry.edited', {
          entryId: 'e1',
          body: '<iframe src="https://x.example"></iframe>',
        }),
      )
      .then(
        rejected('invalid', 'data.body: the sanitised body is empty', { 'data.body': /empty/ }),
      );
  });

  it('retracts it', () => {
    given(withEntry)
      .when(report('entry.retracted', { entryId: 'e1', reason: 'Could not be verified.' }))
      .then(retracted('e1', 'Could not be verified.'));
  });

  it('pins it', () => {
    given(withEntry)
      .when(report('entry.pinned', { entryId: 'e1' }))
      .then(pinned('e1'));
  });

  it('rejects an unpin', () => {
    given(withEntry)
      .when(report('entry.unpinned', { entryId: 'e1' }))
      .then(rejected('no-change', `entry e1 in story ${STORY} is not pinned`));
  });
});

describe('when the entry is pinned', () => {
  const pinnedEntry = [...withEntry, pinned('e1')];

  it('rejects a pin', () => {
    given(pinnedEntry)
      .when(report('entry.pinned', { entryId: 'e1' }))
      .then(rejected('no-change', `entry e1 in story ${STORY} is already pinned`));
  });

  it('unpins it', () => {
    given(pinnedEntry)
      .when(report('entry.unpinned', { entryId: 'e1' }))
      .then(unpinned('e1'));
  });
});

describe('when the entry is retracted', () => {
  const retractedEntry = [...withEntry, pinned('e1'), retracted('e1')];

  it.each<[string, Report]>([
    ['an edit', report('entry.edited', { entryId: 'e1', body: '<p>Back.</p>' })],
    ['a second retraction', report('entry.retracted', { entryId: 'e1', reason: 'again' })],
    ['a pin', report('entry.pinned', { entryId: 'e1' })],
    ['an unpin', report('entry.unpinned', { entryId: 'e1' })],
  ])('rejects %s', (_what, filed) => {
    given(retractedEntry)
      .when(filed)
      .then(rejected('entry-retracted', `entry e1 in story ${STORY} is retracted`));
  });

  it('keeps its id taken', () => {
    given(retractedEntry)
      .when(report('entry.posted', { entryId: 'e1', body: '<p>Reborn.</p>' }))
      .then(rejected('entry-exists', `entry e1 already exists in story ${STORY}`));
  });
});

describe('the event envelope', () => {
  it('numbers the event one past the story version', () => {
    const { decision } = given([opened(), posted('e1'), posted('e2')]).when(
      report('entry.pinned', { entryId: 'e2' }),
    );
    expect(decision.ok && decision.event.version).toBe(4);
  });

  it('normalises occurredAt to UTC with milliseconds', () => {
    given(live)
      .when(report('story.closed', {}, { occurredAt: '2026-11-24T10:15:00+02:00' }))
      .then({ type: 'story.closed', data: {}, occurredAt: '2026-11-24T08:15:00.000Z' });
  });

  it('keeps fractions of a second to the millisecond', () => {
    given(live)
      .when(report('story.closed', {}, { occurredAt: '2026-11-24T08:15:00.123456Z' }))
      .then({ type: 'story.closed', data: {}, occurredAt: '2026-11-24T08:15:00.123Z' });
  });

  it('takes the time of receipt as occurredAt when the report has none', () => {
    given(live)
      .when(report('story.closed', {}, { occurredAt: undefined }))
      .then({ type: 'story.closed', data: {}, occurredAt: NOW });
  });

  it('records the time of receipt as recordedAt', () => {
    const { decision } = given(live).when(report('story.closed', {}), '2026-11-24T09:30:00.412Z');
    expect(decision.ok && decision.event.recordedAt).toBe('2026-11-24T09:30:00.412Z');
  });

  it('carries the report id and author', () => {
    const { decision } = given(live).when(
      report('story.closed', {}, { id: 'rpt-7', author: 'wire:afp' }),
    );
    expect(decision.ok && [decision.event.reportId, decision.event.author]).toEqual([
      'rpt-7',
      'wire:afp',
    ]);
  });

  it('rejects, rather than throws on, an occurredAt that is no instant', () => {
    const forged = { ...report('story.closed', {}), occurredAt: 'yesterday' } as Report;
    given(live)
      .when(forged)
      .then(
        rejected('invalid', 'occurredAt: must be an ISO-8601 instant', { occurredAt: /ISO-8601/ }),
      );
  });

  it.each(['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-05:00'])(
    'rejects an occurredAt outside the years 0001–9999 in UTC (%s), which PostgreSQL would refuse',
    (occurredAt) => {
      const forged = { ...report('story.closed', {}), occurredAt } as Report;
      given(live)
        .when(forged)
        .then(
          rejected('invalid', 'occurredAt: must be an ISO-8601 instant', { occurredAt: /ISO/ }),
        );
    },
  );

  it('takes the first and last instants PostgreSQL and toISOString agree on', () => {
    given(live)
      .when(report('story.closed', {}, { occurredAt: '0001-01-01T00:00:00Z' }))
      .then({ type: 'story.closed', data: {}, occurredAt: '0001-01-01T00:00:00.000Z' });
    given(live)
      .when(report('story.closed', {}, { occurredAt: '9999-12-31T23:59:59.999Z' }))
      .then({ type: 'story.closed', data: {}, occurredAt: '9999-12-31T23:59:59.999Z' });
  });

  it('rejects, rather than throws on, a report type it does not know', () => {
    const forged = { ...report('story.closed', {}), type: 'story.deleted' } as unknown as Report;
    given(live)
      .when(forged)
      .then(rejected('invalid', 'type: unknown type "story.deleted"', { type: /unknown type/ }));
  });
});

describe('what decide reads of the state', () => {
  const full = given([
    opened(),
    posted('e1'),
    posted('e2'),
    pinned('e2'),
    figure('civilian-deaths', 13, MINISTRY),
  ]).state as StoryState;
  const only = (entryId?: string): StoryState => ({
    ...full,
    entries: full.entries.filter((e) => e.entryId === entryId),
    figures: [],
  });

  it.each<[string, Report, string | undefined]>([
    ['an edit', report('entry.edited', { entryId: 'e2', body: '<p>New.</p>' }), 'e2'],
    ['a repeated pin', report('entry.pinned', { entryId: 'e2' }), 'e2'],
    ['a post of a used id', report('entry.posted', { entryId: 'e1', body: '<p>x</p>' }), 'e1'],
    ['a post of a new id', report('entry.posted', { entryId: 'e3', body: '<p>x</p>' }), 'e3'],
    [
      'a figure',
      report('figure.reported', { figureId: 'civilian-deaths', label: 'l', value: 14, source: UN }),
      undefined,
    ],
    ['a story update', report('story.updated', { title: 'New' }), undefined],
  ])(
    'decides %s the same from a state holding only the entry it names',
    (_what, filed, entryId) => {
      expect(decide(only(entryId), filed, NOW)).toEqual(decide(full, filed, NOW));
    },
  );
});
