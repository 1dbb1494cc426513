import fc from 'fast-check';
import { storyEventSchema, type StoryEvent } from './event.schema';
import { upcastEventData } from './event.upcast';
import { parseReportBytes, validateReport, type ReportContext } from './report.parse';
import type { Report } from './report.schema';
import { decide, type Decision } from './story.decider';
import { evolve, fold } from './story.evolve';
import type { StoryState } from './story.state';
import { STORY } from './testing/story.fixtures';

/**
 * Properties over many generated histories: reports drawn from small pools of
 * ids, bodies and sources (so that they collide and hit every rule), mixed with
 * arbitrary JSON, validated, decided against the story so far, and the accepted
 * ones folded.
 */

const ctx: ReportContext = { subjectStoryId: STORY, fallbackId: 'seq:1' };
/** Mostly one of the valid values, now and then one of the invalid ones. */
const mostly = <T>(valid: readonly T[], invalid: readonly T[]) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid) },
  );

const entryId = mostly(['e1', 'e2', 'e3'], ['e/1']);
const figureId = mostly(['civilian-deaths', 'displaced'], ['Deaths']);
const source = mostly(
  [
    { name: 'UN' },
    { name: 'UN', url: 'https://un.example/r' },
    { name: 'Ministry', url: 'http://gov.example/' },
  ],
  [{ name: '' }, { name: 'x', url: 'javascript:alert(1)' }],
);
/** Usually a list of one to three; now and then none, or more than ten. */
const sources = fc.oneof(
  { weight: 20, arbitrary: fc.array(source, { minLength: 1, maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      [],
      Array.from({ length: 11 }, () => ({ name: 'x' })),
    ),
  },
);
const body = mostly(
  [
    '<p>One.</p>',
    '<p>Two.</p>',
    '<p onclick="x()">One.</p>',
    '<a href="https://a.example/" target="_blank">link</a>',
    '<a href="javascript:alert(1)">link</a>',
  ],
  ['<script>alert(1)</script>', 'x'.repeat(20_001), '   ', ''],
);
const text = mostly(['A', 'B'], ['', 'x'.repeat(301)]);
const occurredAt = fc.option(
  mostly(
    [
      '2026-11-24T08:00:00Z',
      '2026-11-24T08:00:00.000Z',
      '2026-11-24T10:00:00+02:00',
      '2026-11-24T07:59:59.999Z',
      '2026-11-24T08:30:00.5Z',
    ],
    ['yesterday', '2026-02-30T08:00:00Z'],
  ),
  { nil: undefined },
);

const data = {
  'story.opened': fc.record(
    { title: text, summary: text, visibility: mostly(['public', 'private'], ['secret']) },
    { requiredKeys: ['title'] },
  ),
  'story.updated': fc.record({ title: text, summary: text }, { requiredKeys: [] }),
  'story.closed': fc.record({ note: text }, { requiredKeys: [] }),
  'story.reopened': fc.constant({}),
  'entry.posted': fc.record(
    // Both sources and the older source now and then: the schema refuses that.
    { entryId, body, kind: mostly(['update', 'breaking'], ['rumour']), sources, source },
    { requiredKeys: ['entryId', 'body'] },
  ),
  'entry.edited': fc.record(
    { entryId, body, correction: text },
    { requiredKeys: ['entryId', 'body'] },
  ),
  'entry.retracted': fc.record({ entryId, reason: text }),
  'entry.pinned': fc.record({ entryId }),
  'entry.unpinned': fc.record({ entryId }),
  'figure.reported': fc.record(
    {
      figureId,
      label: text,
      value: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0, -0, 13, 12.5, 1e308) },
        { weight: 1, arbitrary: fc.double() },
      ),
      qualifier: mostly(['exact', 'approximately'], ['about']),
      unit: mostly(['people', ''], ['u'.repeat(41)]),
      source,
    },
    { requiredKeys: ['figureId', 'label', 'value', 'source'] },
  ),
};
/** Entry reports weigh more: they have the most rules. */
const weights: Record<keyof typeof data, number> = {
  'story.opened': 1,
  'story.updated': 1,
  'story.closed': 1,
  'story.reopened': 1,
  'entry.posted': 4,
  'entry.edited': 2,
  'entry.retracted': 1,
  'entry.pinned': 2,
  'entry.unpinned': 2,
  'figure.reported': 2,
};

const plausible = fc.oneof(
  ...Object.entries(data).map(([type, d]) => ({
    weight: weights[type as keyof typeof data],
    arbitrary: fc.record(
      {
        id: mostly(['rpt-1', 'rpt-2'], ['bad id']),
        storyId: mostly([STORY], ['other-story']),
        type: fc.constant(type),
        author: mostly(['desk:caucasus', 'wire:afp'], ['']),
        occurredAt,
        data: d,
      },
      { requiredKeys: ['id', 'storyId', 'type', 'author', 'data'] },
    ),
  })),
);
/** Mostly plausible reports, the more often the story exists; now and then anything at all. */
const candidate: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: plausible },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);
/** Histories start with an opening most of the time, so that the rules past it are reached. */
const reports = fc
  .tuple(fc.boolean(), fc.array(candidate, { maxLength: 60, size: 'large' }))
  .map(([open, rest]) =>
    open
      ? [
          {
            id: 'rpt-0',
            storyId: STORY,
            type: 'story.opened',
            author: 'desk',
            data: { title: 'T' },
          },
          ...rest,
        ]
      : rest,
  );

const nowOf = (step: number) => new Date(Date.UTC(2026, 10, 24, 9, 0, step)).toISOString();

interface Step {
  readonly before: StoryState | null;
  readonly report: Report;
  readonly now: string;
  readonly decision: Decision;
}

/** Validates and decides each candidate against the story so far, folding what is accepted. */
function play(candidates: readonly unknown[]): {
  steps: Step[];
  events: StoryEvent[];
  state: StoryState | null;
} {
  const steps: Step[] = [];
  const events: StoryEvent[] = [];
  let state: StoryState | null = null;
  candidates.forEach((value, i) => {
    const parsed = validateReport(value, ctx);
    if (!parsed.ok) return;
    const now = nowOf(i);
    const decision = decide(state, parsed.report, now);
    steps.push({ before: state, report: parsed.report, now, decision });
    if (decision.ok) {
      events.push(decision.event);
      state = evolve(state, decision.event);
    }
  });
  return { steps, events, state };
}

const histories = reports.map(play);

describe('any report, against any story built from accepted events', () => {
  it('is validated and decided without throwing', () => {
    fc.assert(
      fc.property(reports, fc.array(candidate, { maxLength: 10 }), (history, probes) => {
        const { state } = play(history);
        for (const probe of probes) {
          const parsed = validateReport(probe, ctx);
          if (parsed.ok) decide(state, parsed.report, nowOf(0));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('becomes an event of the next version in normalised form, or a rejection of the report', () => {
    fc.assert(
      fc.property(histories, ({ steps }) => {
        for (const { before, report, now, decision } of steps) {
          if (decision.ok) {
            const { event } = decision;
            expect(event.version).toBe((before?.version ?? 0) + 1);
            expect(event.recordedAt).toBe(now);
            expect(event.occurredAt).toBe(new Date(event.occurredAt).toISOString());
            const checked = storyEventSchema.safeParse(event);
            expect(checked.success && checked.data).toEqual(event);
          } else {
            expect(decision.rejection).toMatchObject({
              reportId: report.id,
              storyId: report.storyId,
            });
            expect(decision.rejection.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('is decided the same from a state holding only the entry it names and no figures', () => {
    fc.assert(
      fc.property(histories, ({ steps }) => {
        for (const { before, report, now, decision } of steps) {
          if (before === null) continue;
          const named = 'entryId' in report.data ? report.data.entryId : undefined;
          const partial: StoryState = {
            ...before,
            entries: before.entries.filter((e) => e.entryId === named),
            figures: [],
          };
          expect(decide(partial, report, now)).toEqual(decision);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('any history of accepted events', () => {
  it('folds to the state evolved step by step, every time', () => {
    fc.assert(
      fc.property(histories, ({ events, state }) => {
        expect(fold(events)).toEqual(state);
        expect(fold(events)).toEqual(fold(events));
      }),
      { numRuns: 200 },
    );
  });

  it('folds a prefix and then the rest to the fold of the whole', () => {
    fc.assert(
      fc.property(histories, fc.nat(), ({ events }, cut) => {
        const at = events.length === 0 ? 0 : cut % (events.length + 1);
        expect(fold(events.slice(at), fold(events.slice(0, at)))).toEqual(fold(events));
      }),
      { numRuns: 200 },
    );
  });

  it('folds to a state that survives a JSON round trip unchanged, as do its events', () => {
    fc.assert(
      fc.property(histories, ({ events, state }) => {
        expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
        expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
        expect(fold(JSON.parse(JSON.stringify(events)) as StoryEvent[])).toStrictEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  it('folds the same when its posts of at most one source were stored in schema version 1', () => {
    fc.assert(
      fc.property(histories, ({ events, state }) => {
        const old = events.filter(
          (e) => e.type !== 'entry.posted' || (e.data.sources ?? []).length < 2,
        );
        const stored = old.map((e) => {
          if (e.type !== 'entry.posted' || e.data.sources === undefined) return e;
          const {
            sources: [first],
            ...rest
          } = e.data;
          return { ...e, data: { ...rest, source: first } };
        });
        const read = stored.map(
          (e) => ({ ...e, data: upcastEventData(e.type, 1, e.data) }) as StoryEvent,
        );
        expect(read).toEqual(old);
        if (old.length === events.length) expect(fold(read)).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  it('cites on each entry its sources, and as its source the first of them', () => {
    fc.assert(
      fc.property(histories, ({ state }) => {
        for (const entry of state?.entries ?? []) {
          expect(entry.sources.length).toBeLessThanOrEqual(10);
          expect(entry.source).toEqual(entry.sources[0] ?? null);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps entries newest first by postedAt', () => {
    fc.assert(
      fc.property(histories, ({ state }) => {
        const times = (state?.entries ?? []).map((e) => Date.parse(e.postedAt));
        expect(times).toEqual([...times].sort((a, b) => b - a));
      }),
      { numRuns: 200 },
    );
  });
});

describe('any bytes', () => {
  it('parse to a report or an invalid rejection, without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.json().map((t) => new TextEncoder().encode(t)),
        ),
        (bytes) => {
          const result = parseReportBytes(bytes, ctx);
          expect(result.ok || result.rejection.code === 'invalid').toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
