import type { Report } from '../report.schema';
import { decide, type Decision } from '../story.decider';
import { fold } from '../story.evolve';
import type { StoryState } from '../story.state';
import { history, NOW, OCCURRED_AT, toEvent, type Fact, type Rejected } from './story.fixtures';

/**
 * Given these events, when this report, then this event or this rejection: the
 * decider's specification form (after emmett's DeciderSpecification). The given
 * events are folded with `evolve`, so a specification also pins down what the
 * state must remember for the rule to hold.
 */
export function given(facts: readonly Fact[]) {
  const events = history(facts);
  const state = fold(events);
  return {
    state,
    when(report: Report, now: string = NOW) {
      const decision = decide(state, report, now);
      return {
        decision,
        /** The event expected, as a fact: its occurredAt defaults to the report's, normalised. */
        then(expected: Fact | Rejected): void {
          expect(decision).toEqual(expectedDecision(state, report, now, expected));
        },
      };
    },
  };
}

function expectedDecision(
  state: StoryState | null,
  report: Report,
  now: string,
  expected: Fact | Rejected,
): Decision {
  if ('code' in expected) {
    const { code, message, fields } = expected;
    return {
      ok: false,
      rejection: {
        reportId: report.id,
        storyId: report.storyId,
        code,
        message: matching(message),
        ...(fields
          ? { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, matching(v)])) }
          : {}),
      },
    };
  }
  const event = toEvent({ occurredAt: OCCURRED_AT, ...expected }, (state?.version ?? 0) + 1, {
    storyId: report.storyId,
    reportId: report.id,
    author: report.author,
    recordedAt: now,
  });
  return { ok: true, event };
}

/** A string is matched exactly; a pattern through Jest's asymmetric matcher. */
function matching(expected: string | RegExp): string {
  return typeof expected === 'string'
    ? expected
    : (expect.stringMatching(expected) as unknown as string);
}
