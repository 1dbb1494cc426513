/**
 * The subscribers of one story stream: those level with the cursor are in the story's room and get
 * every broadcast; those holding versions above it wait outside until the cursor reaches them, so
 * that nothing is sent to them twice.
 */
export class StreamSubscribers {
  private readonly inRoom = new Set<string>();
  /** Key → last version it holds. */
  private readonly ahead = new Map<string, number>();

  get count(): number {
    return this.inRoom.size + this.ahead.size;
  }

  get anyInRoom(): boolean {
    return this.inRoom.size > 0;
  }

  has(key: string): boolean {
    return this.inRoom.has(key) || this.ahead.has(key);
  }

  enterRoom(key: string): void {
    this.inRoom.add(key);
  }

  waitFor(key: string, holds: number): void {
    this.ahead.set(key, holds);
  }

  /** Takes a subscriber out: 'room' when it must also leave the room, undefined when unknown. */
  remove(key: string): 'room' | 'ahead' | undefined {
    if (this.inRoom.delete(key)) return 'room';
    return this.ahead.delete(key) ? 'ahead' : undefined;
  }

  /** Moves those waiting for `version` (the cursor just reached it) into the room, telling `entered`. */
  reached(version: number, entered: (key: string) => void): void {
    for (const [key, holds] of this.ahead) {
      if (holds !== version) continue;
      this.ahead.delete(key);
      this.inRoom.add(key);
      entered(key);
    }
  }
}
