import type { FilingGate, FilingQueue } from '@livefeed/event-store';
import type { FiledReport } from '@livefeed/messaging';
import { ReceivedSeqs } from './received-seqs.set';

/** Where the gate looks when this process cannot vouch for a stretch of the reports stream. */
export interface FiledReportLookup {
  firstFrom(storyId: string, fromSeq: number): Promise<FiledReport | null>;
}

/** Invalid reports filed in between are skipped: they change no state, so their place does not matter. */
const MOST_SKIPPED = 32;
/**
 * How long a story found waiting for a report held elsewhere stays known as such: meanwhile its later
 * reports are handed back without a transaction, which keeps the story's lane free for the report it
 * waits for. Short, because another worker may decide that one without this process noticing.
 */
const BLOCKED_FOR_MS = 500;

/**
 * Keeps each story's log in filing order whatever crashes (docs/architecture.md, "Filing order"): a
 * report is decided only once every valid report filed before it for the same story has been. The store
 * knows, under the story's lock, the sequence of the story's last admitted report; the gate must then
 * tell whether any report of the story was filed between that and the one at hand.
 *
 * Usually this process can vouch for the stretch itself: it received every sequence in it, in stream
 * order, and a report of this story among them would be ahead in its own queue. Only a stretch it did
 * not see (delivered to another worker, or to one that died holding it) or handed back undecided needs a
 * look at the stream. A valid report found there means: wait, it is still held somewhere.
 */
export class FilingOrder {
  private readonly known = new ReceivedSeqs();
  /** Stories waiting for a report held elsewhere: its sequence, and until when that is assumed. */
  private readonly blocked = new Map<string, { readonly seq: number; readonly until: number }>();

  constructor(
    private readonly filed: FiledReportLookup,
    private readonly isValid: (report: FiledReport, storyId: string) => boolean,
    private readonly onLookupError: (error: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A report reached this process. First deliveries come in stream order: they stand for their stretch. */
  delivered(seq: number, deliveryCount: number): void {
    if (deliveryCount === 1 && seq > this.known.highest) this.known.add(seq);
  }

  /** Its outcome is committed, or it was deferred: it holds nothing back any more. */
  passed(storyId: string, seq: number): void {
    this.known.add(seq);
    const blocked = this.blocked.get(storyId);
    if (blocked && seq >= blocked.seq) this.blocked.delete(storyId);
  }

  /**
   * True when the report would only be handed back: its story was just found waiting for a report
   * filed before this one and held elsewhere.
   */
  holdsBack(storyId: string, seq: number): boolean {
    const blocked = this.blocked.get(storyId);
    if (!blocked) return false;
    if (this.clock() >= blocked.until) {
      this.blocked.delete(storyId);
      return false;
    }
    return seq > blocked.seq;
  }

  /** Handed back undecided: it may reach another process, so this one cannot vouch for it. */
  released(seq: number): void {
    this.known.remove(seq);
  }

  readonly gate: FilingGate = async (queues) => {
    const counts = await Promise.all(queues.map((q) => this.admissible(q)));
    return new Map(queues.map((q, i) => [q.storyId, counts[i]]));
  };

  /** How many of the story's reports, in order, no earlier-filed report still waits before. */
  private async admissible({ storyId, lastSeq, seqs }: FilingQueue): Promise<number> {
    let behind = lastSeq;
    let n = 0;
    for (const seq of seqs) {
      // At or before the story's place: decided (a duplicate now) or deferred, and free to go again.
      if (seq > behind) {
        const clear =
          this.known.covers(behind + 1, seq - 1) ||
          (await this.noneFiled(storyId, behind + 1, seq));
        if (!clear) break;
        behind = seq;
      }
      n += 1;
    }
    return n;
  }

  /** True when no valid report of the story is stored with a sequence from `from` to before `seq`. */
  private async noneFiled(storyId: string, from: number, seq: number): Promise<boolean> {
    try {
      for (let skipped = 0; skipped <= MOST_SKIPPED; skipped++) {
        const first = await this.filed.firstFrom(storyId, from);
        if (first === null || first.seq >= seq) return true;
        if (this.isValid(first, storyId)) {
          this.blocked.set(storyId, { seq: first.seq, until: this.clock() + BLOCKED_FOR_MS });
          return false;
        }
        from = first.seq + 1;
      }
    } catch (error) {
      // Not knowing means waiting: the report comes back and the gate looks again.
      this.onLookupError(error);
    }
    return false;
  }
}
