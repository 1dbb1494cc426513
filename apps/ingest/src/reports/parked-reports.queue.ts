/**
 * Reports waiting for an earlier report of their story, kept in this process (still held, so the
 * consumer keeps them alive) rather than handed back: handed back, they would return in whatever order
 * their delays ended, and a story would move on by about one report per delay. Parked, they go back to
 * the lanes in filing order as soon as the story moves on here, and every `retryMs` in case it moved on
 * at another worker.
 */
export class ParkedReports<T extends { readonly message: { readonly seq: number } }> {
  private readonly byStory = new Map<string, T[]>();
  private timer?: NodeJS.Timeout;

  /** @param requeue hands items back to the lanes, in order */
  constructor(
    private readonly retryMs: number,
    private readonly requeue: (storyId: string, items: T[]) => void,
  ) {}

  park(storyId: string, item: T): void {
    const parked = this.byStory.get(storyId);
    if (parked) parked.push(item);
    else this.byStory.set(storyId, [item]);
    this.timer ??= setInterval(() => this.releaseAll(), this.retryMs).unref();
  }

  /** The story moved on: its parked reports go back to the lanes now. */
  release(storyId: string): void {
    const parked = this.byStory.get(storyId);
    if (!parked) return;
    this.byStory.delete(storyId);
    this.requeue(
      storyId,
      parked.sort((a, b) => a.message.seq - b.message.seq),
    );
    if (this.byStory.size === 0) this.stopTimer();
  }

  releaseAll(): void {
    for (const storyId of [...this.byStory.keys()]) this.release(storyId);
  }

  /** Everything parked, for a shutdown to hand back. */
  takeAll(): T[] {
    const all = [...this.byStory.values()].flat();
    this.byStory.clear();
    this.stopTimer();
    return all;
  }

  get size(): number {
    let n = 0;
    for (const parked of this.byStory.values()) n += parked.length;
    return n;
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
