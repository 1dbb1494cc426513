import {
  decide,
  ENTRY_KINDS,
  evolve,
  QUALIFIERS,
  REPORT_TYPES,
  validateReport,
  type StoryEvent,
  type StoryState,
} from '@livefeed/domain';
import { STORM_SCRIPT } from './storm.script';

const NOW = '2026-11-24T15:00:00.000Z';
const reports = STORM_SCRIPT.map(({ at: _at, ...step }, i) => ({
  id: `demo-${i + 1}`,
  storyId: 'storm-demo',
  ...step,
}));

describe('the demo script', () => {
  it('is a story of 30 to 60 reports over two to three minutes, in time order', () => {
    expect(STORM_SCRIPT.length).toBeGreaterThanOrEqual(30);
    expect(STORM_SCRIPT.length).toBeLessThanOrEqual(60);
    const times = STORM_SCRIPT.map((s) => s.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBe(0);
    expect(times[times.length - 1]).toBeGreaterThanOrEqual(120);
    expect(times[times.length - 1]).toBeLessThanOrEqual(180);
  });

  it('uses every report type, every kind of post, and figures from several sources with qualifiers', () => {
    expect(new Set(STORM_SCRIPT.map((s) => s.type))).toEqual(new Set(REPORT_TYPES));
    const posts = STORM_SCRIPT.filter((s) => s.type === 'entry.posted');
    expect(new Set(posts.map((s) => s.data.kind))).toEqual(new Set(ENTRY_KINDS));
    expect(STORM_SCRIPT.some((s) => s.type === 'entry.edited' && s.data.correction)).toBe(true);
    const figures = STORM_SCRIPT.filter((s) => s.type === 'figure.reported');
    const sourcesOf = (id: string) =>
      new Set(
        figures
          .filter((s) => s.data.figureId === id)
          .map((s) => (s.data.source as { name: string }).name),
      );
    expect(sourcesOf('homes-without-power').size).toBeGreaterThanOrEqual(2);
    expect(sourcesOf('gust').size).toBeGreaterThanOrEqual(2);
    expect(new Set(figures.map((s) => s.data.qualifier))).toEqual(new Set(QUALIFIERS));
  });

  it('is accepted report by report on a fresh story, with no correction lost', () => {
    let state: StoryState | null = null;
    const events: StoryEvent[] = [];
    for (const raw of reports) {
      const parsed = validateReport(raw, { fallbackId: raw.id });
      if (!parsed.ok) throw new Error(`${raw.id}: ${parsed.rejection.message}`);
      const decision = decide(state, parsed.report, NOW);
      if (!decision.ok) throw new Error(`${raw.id}: ${decision.rejection.message}`);
      events.push(decision.event);
      state = evolve(state, decision.event);
    }
    expect(events.map((e) => e.version)).toEqual(reports.map((_, i) => i + 1));
    expect(state).toMatchObject({ status: 'closed', version: reports.length });
    expect(state!.entries.find((e) => e.entryId === 'bridge')?.retracted).not.toBeNull();
    expect(state!.entries.flatMap((e) => e.corrections)).toHaveLength(2);
    expect(state!.entries.filter((e) => e.pinned)).toEqual([]);
  });

  it('tells of invented places and organisations only', () => {
    const text = JSON.stringify(STORM_SCRIPT);
    // Every URL points at an example domain (RFC 2606), never at a real organisation's site.
    for (const url of text.match(/https?:\/\/[^"]+/g) ?? [])
      expect(new URL(url).hostname).toMatch(/\.example$/);
  });
});
