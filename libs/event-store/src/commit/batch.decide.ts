import type { Report, StoryEvent } from '@livefeed/domain';
import type { BatchResult, CommitPolicy, Decider, IncomingReport } from '../event-store.types';
import type { OutcomeWrite } from './batch.writes';
import type { PriorOutcome } from './batch.reads';
import { StoryWorkspace, type LoadedStory, type StoryChanges } from './story.workspace';

type DecidedResult = Exclude<BatchResult, { kind: 'deferred' | 'waiting' }>;

export interface BatchPlan {
  readonly results: BatchResult[];
  readonly events: StoryEvent[];
  readonly outcomes: OutcomeWrite[];
  readonly changes: StoryChanges[];
}

/**
 * Decides the batch in order, in memory: each story's state moves on with every accepted event, so a
 * batch decides exactly as the same reports would one by one. Nothing is written here.
 */
export function decideBatch<T extends IncomingReport>(
  decide: Decider,
  defers: NonNullable<CommitPolicy<T>['defers']>,
  items: readonly T[],
  reports: readonly Report[],
  now: string,
  prior: ReadonlyMap<string, PriorOutcome>,
  loaded: ReadonlyMap<string, LoadedStory>,
): BatchPlan {
  const workspaces = new Map<string, StoryWorkspace>();
  const decided = new Map<string, DecidedResult>();
  const events: StoryEvent[] = [];
  const outcomes: OutcomeWrite[] = [];

  const results = reports.map((report, i): BatchResult => {
    const before = prior.get(report.id);
    if (before) {
      return before.status === 'accepted'
        ? { kind: 'accepted', event: before.event, duplicate: true }
        : { kind: 'rejected', rejection: before.rejection, duplicate: true };
    }
    const earlier = decided.get(report.id);
    if (earlier) return { ...earlier, duplicate: true };

    let workspace = workspaces.get(report.storyId);
    if (!workspace) {
      workspace = new StoryWorkspace(
        loaded.get(report.storyId) ?? { story: undefined, entries: [], figures: [], claims: [] },
      );
      workspaces.set(report.storyId, workspace);
    }
    const decision = decide(workspace.state, report, now);
    let result: DecidedResult;
    if (decision.ok) {
      workspace.apply(decision.event);
      events.push(decision.event);
      outcomes.push({ status: 'accepted', event: decision.event });
      result = { kind: 'accepted', event: decision.event, duplicate: false };
    } else if (defers(items[i], decision.rejection)) {
      // Recorded nowhere: the same report id must stay free for the retry.
      return { kind: 'deferred', rejection: decision.rejection };
    } else {
      outcomes.push({ status: 'rejected', rejection: decision.rejection });
      result = { kind: 'rejected', rejection: decision.rejection, duplicate: false };
    }
    decided.set(report.id, result);
    return result;
  });

  const changes: StoryChanges[] = [];
  for (const workspace of workspaces.values()) {
    const c = workspace.changes();
    if (c) changes.push(c);
  }
  return { results, events, outcomes, changes };
}
