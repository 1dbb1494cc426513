import { decide, evolve, type Report, type StoryState } from '@livefeed/domain';
import type { BatchResult, IncomingReport } from '../event-store.types';
import { at, r } from './store.fixture';

/** Deterministic pseudo-random numbers (mulberry32), so a failing scenario replays identically. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A long newsroom day over `stories` stories: every report type, some aimed at entries that do not exist
 * (yet), repeats of earlier report ids, instants that tie or run backwards.
 */
/** A report of the scenario, and whether its batch asks for it to be deferred when it may be too early. */
export interface ScenarioItem extends IncomingReport {
  readonly defer: boolean;
}

/** Asks the store to defer exactly what the scenario marked. */
export const DEFER_MARKED = {
  defers: (item: ScenarioItem, rejection: { code: string }) =>
    item.defer && (rejection.code === 'unknown-entry' || rejection.code === 'unknown-story'),
};

export function scenario(seed: number, stories: readonly string[], count: number): ScenarioItem[] {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const posted = new Map<string, number>(stories.map((s) => [s, 0]));
  const sources = ['Ministry', 'Red Cross', 'UN', 'Local police'];
  const out: ScenarioItem[] = stories.map((s) => ({
    report: r.opened(s, { summary: `About ${s}` }, { occurredAt: at(0) }),
    defer: false,
  }));
  while (out.length < count) {
    const s = pick(stories);
    const n = posted.get(s)!;
    // Mostly entries that exist; sometimes the next one (not posted yet) or a made-up one.
    const entry =
      n > 0 && rand() < 0.85
        ? `e${1 + Math.floor(rand() * n)}`
        : rand() < 0.5
          ? `e${n + 1}`
          : 'e-missing';
    const occurredAt = at(Math.floor(rand() * 600));
    const roll = rand();
    let report: Report;
    if (roll < 0.3) {
      posted.set(s, n + 1);
      const cite = () => ({
        name: pick(sources),
        ...(rand() < 0.5 ? { url: 'https://news.example/a' } : {}),
      });
      // Half cite nothing; of the rest, some in the older shape (one `source`).
      const source =
        rand() < 0.5
          ? rand() < 0.3
            ? { source: cite() }
            : { sources: Array.from({ length: 1 + Math.floor(rand() * 3) }, cite) }
          : {};
      report = r.posted(
        s,
        `e${n + 1}`,
        { kind: pick(['update', 'breaking', 'statement', 'analysis']), ...source },
        { occurredAt },
      );
    } else if (roll < 0.45) {
      report = r.edited(
        s,
        entry,
        `<p>edit ${out.length}</p>`,
        rand() < 0.5 ? `note ${out.length}` : undefined,
        { occurredAt },
      );
    } else if (roll < 0.52) {
      report = r.retracted(s, entry, `reason ${out.length}`, { occurredAt });
    } else if (roll < 0.6) {
      report = r.pinned(s, entry, { occurredAt });
    } else if (roll < 0.66) {
      report = r.unpinned(s, entry, { occurredAt });
    } else if (roll < 0.84) {
      report = r.figure(
        s,
        pick(['deaths', 'injured', 'displaced']),
        pick(sources),
        Math.floor(rand() * 1000) / 4,
        {
          qualifier: pick(['exact', 'approximately', 'at-least', 'at-most']),
          ...(rand() < 0.3 ? { unit: 'people', label: `Label ${out.length % 3}` } : {}),
        },
        { occurredAt },
      );
    } else if (roll < 0.9) {
      report = r.updated(
        s,
        rand() < 0.5 ? { title: `Title ${out.length}` } : { summary: `Summary ${out.length}` },
        { occurredAt },
      );
    } else if (roll < 0.93) {
      report = r.closed(s, { occurredAt });
    } else if (roll < 0.96) {
      report = r.reopened(s, { occurredAt });
    } else {
      // A redelivery: the very same report again, possibly in the same batch.
      report = pick(out).report;
    }
    out.push({ report, defer: rand() < 0.3 });
  }
  return out;
}

/** Decides like the store should, but on complete in-memory states: the reference to compare with. */
export class ReferenceModel {
  readonly states = new Map<string, StoryState | null>();
  private readonly decided = new Map<string, BatchResult>();

  commit(batch: readonly ScenarioItem[], now: string): BatchResult[] {
    return batch.map(({ report, defer }): BatchResult => {
      const first = this.decided.get(report.id);
      if (first) return { ...first, duplicate: true } as BatchResult;
      const decision = decide(this.states.get(report.storyId) ?? null, report, now);
      let result: BatchResult;
      if (decision.ok) {
        this.states.set(
          report.storyId,
          evolve(this.states.get(report.storyId) ?? null, decision.event),
        );
        result = { kind: 'accepted', event: decision.event, duplicate: false };
      } else if (
        (decision.rejection.code === 'unknown-entry' ||
          decision.rejection.code === 'unknown-story') &&
        defer
      ) {
        return { kind: 'deferred', rejection: decision.rejection };
      } else {
        result = { kind: 'rejected', rejection: decision.rejection, duplicate: false };
      }
      this.decided.set(report.id, result);
      return result;
    });
  }
}
