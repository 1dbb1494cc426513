import type { FilingGate, FilingQueue, IncomingReport } from '../event-store.types';

/** Which of a batch's items are decided now, in the order to decide them, and where that leaves each story. */
export interface Admission {
  /** Indexes into the batch: each story's admitted items in filing order (items without a place as given). */
  readonly order: number[];
  /** Stories whose place in filing order moves on: the last admitted sequence. */
  readonly filing: Map<string, number>;
}

/**
 * Asks the gate how far each story's items may go, given the story's place as read under its lock. Items
 * without a sequence are admitted as they come and move no place.
 */
export async function admit(
  items: readonly IncomingReport[],
  lastSeqs: ReadonlyMap<string, number>,
  gate: FilingGate,
): Promise<Admission> {
  const byStory = new Map<string, number[]>();
  for (let i = 0; i < items.length; i++) {
    const storyId = items[i].report.storyId;
    const indexes = byStory.get(storyId) ?? [];
    indexes.push(i);
    byStory.set(storyId, indexes);
  }
  const queues: FilingQueue[] = [];
  const sequenced = new Map<string, number[]>();
  for (const [storyId, indexes] of byStory) {
    const withSeq = indexes.filter((i) => items[i].seq !== undefined);
    if (withSeq.length === 0) continue;
    // Stable: a report redelivered while its first copy still waits in the batch stays beside it.
    withSeq.sort((a, b) => items[a].seq! - items[b].seq!);
    sequenced.set(storyId, withSeq);
    queues.push({
      storyId,
      lastSeq: lastSeqs.get(storyId) ?? 0,
      seqs: withSeq.map((i) => items[i].seq!),
    });
  }
  const admitted = queues.length > 0 ? await gate(queues) : new Map<string, number>();

  // Each story's admitted items in filing order, dealt back into the places its items had in the batch,
  // so stories stay interleaved as they came.
  const decideLists = new Map<string, number[]>();
  const filing = new Map<string, number>();
  for (const [storyId, indexes] of byStory) {
    const withSeq = sequenced.get(storyId);
    if (!withSeq) {
      decideLists.set(storyId, indexes);
      continue;
    }
    const n = Math.min(withSeq.length, Math.max(0, admitted.get(storyId) ?? 0));
    const unsequenced = indexes.filter((i) => items[i].seq === undefined);
    decideLists.set(storyId, [...unsequenced, ...withSeq.slice(0, n)]);
    if (n === 0) continue;
    const last = items[withSeq[n - 1]].seq!;
    if (last > (lastSeqs.get(storyId) ?? 0)) filing.set(storyId, last);
  }
  const order: number[] = [];
  const dealt = new Map<string, number>();
  for (const item of items) {
    const storyId = item.report.storyId;
    const k = dealt.get(storyId) ?? 0;
    dealt.set(storyId, k + 1);
    const list = decideLists.get(storyId)!;
    if (k < list.length) order.push(list[k]);
  }
  return { order, filing };
}
