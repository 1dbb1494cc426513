/**
 * The reports-stream sequences this process knows to be in its hands or behind it, as sorted,
 * disjoint, inclusive intervals. First deliveries arrive in stream order, so they extend the last
 * interval; everything else (a release, a late add) is rare. Forgetting is always safe: an unknown
 * sequence only costs a look at the stream.
 */
export class ReceivedSeqs {
  private starts: number[] = [];
  private ends: number[] = [];

  constructor(private readonly maxIntervals = 10_000) {}

  add(seq: number): void {
    const n = this.starts.length;
    if (n > 0 && seq === this.ends[n - 1] + 1) {
      this.ends[n - 1] = seq;
      return;
    }
    if (n === 0 || seq > this.ends[n - 1] + 1) {
      this.starts.push(seq);
      this.ends.push(seq);
      if (n + 1 > this.maxIntervals) {
        this.starts.shift();
        this.ends.shift();
      }
      return;
    }
    const i = this.find(seq);
    if (i >= 0 && seq <= this.ends[i]) return;
    // Between interval i (or none) and i + 1: extend either, join both, or open a new one.
    const left = i >= 0 && this.ends[i] + 1 === seq;
    const right = i + 1 < n && this.starts[i + 1] - 1 === seq;
    if (left && right) {
      this.ends[i] = this.ends[i + 1];
      this.starts.splice(i + 1, 1);
      this.ends.splice(i + 1, 1);
    } else if (left) this.ends[i] = seq;
    else if (right) this.starts[i + 1] = seq;
    else {
      this.starts.splice(i + 1, 0, seq);
      this.ends.splice(i + 1, 0, seq);
    }
  }

  remove(seq: number): void {
    const i = this.find(seq);
    if (i < 0 || seq > this.ends[i]) return;
    const [start, end] = [this.starts[i], this.ends[i]];
    if (start === end) {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (seq === start) this.starts[i] = seq + 1;
    else if (seq === end) this.ends[i] = seq - 1;
    else {
      this.ends[i] = seq - 1;
      this.starts.splice(i + 1, 0, seq + 1);
      this.ends.splice(i + 1, 0, end);
    }
  }

  /** True when every sequence from `from` to `to` (inclusive) is known; an empty range always is. */
  covers(from: number, to: number): boolean {
    if (from > to) return true;
    const i = this.find(from);
    return i >= 0 && to <= this.ends[i];
  }

  /** The highest sequence known, or 0. */
  get highest(): number {
    return this.ends.length > 0 ? this.ends[this.ends.length - 1] : 0;
  }

  /** The index of the last interval starting at or before `seq`, or -1. */
  private find(seq: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }
}
