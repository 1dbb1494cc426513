/**
 * "This story does not exist", believed for a while: a client retrying a wrong id, or a crowd
 * subscribing to a story not opened yet, then costs one load per `ttlMs`, not one per subscribe.
 */
export class MissingStoryCache {
  private until = 0;
  private lastLoadMissed = false;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Still within the time the last "no such story" is believed. */
  get believed(): boolean {
    return this.until > this.now();
  }

  /** The last load found no story, and nothing has been heard of it since. */
  get lastLoadFoundNothing(): boolean {
    return this.lastLoadMissed;
  }

  /**
   * A load answered. With the cursor known, events of the story did arrive, so an empty answer is
   * stale (a read from before the story's first commit, say), not proof that it does not exist.
   */
  loaded(found: boolean, cursorKnown: boolean): void {
    this.lastLoadMissed = !found && !cursorKnown;
    if (found) this.until = 0;
    else if (!cursorKnown) this.until = this.now() + this.ttlMs;
  }

  /** An event of the story arrived: it exists. */
  heardOf(): void {
    this.until = 0;
    this.lastLoadMissed = false;
  }
}
