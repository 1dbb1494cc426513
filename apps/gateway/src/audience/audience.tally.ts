import { z } from 'zod';
import { STORY_ID } from '@livefeed/domain';

/** What an instance announces on `<root>.audience`: its own subscribers per story. */
export const audienceAnnouncementSchema = z.object({
  instance: z.string().min(1).max(200),
  counts: z.record(z.string().regex(STORY_ID), z.number().int().min(0).max(10_000_000)),
  /** True in an instance's last word before it shuts down. */
  gone: z.boolean().optional(),
});
export type AudienceAnnouncement = z.infer<typeof audienceAnnouncementSchema>;

const MAX_STORIES_PER_ANNOUNCEMENT = 100_000;

/**
 * Audience counts of the other gateway instances, as last heard from each. An instance not heard
 * from for `expiryMs` (crashed, partitioned) no longer counts.
 */
export class AudienceTally {
  private readonly remote = new Map<
    string,
    { counts: ReadonlyMap<string, number>; heardAt: number }
  >();

  constructor(
    private readonly self: string,
    private readonly expiryMs: number,
  ) {}

  /** Takes an announcement from the wire; false when it was ignored (own, malformed). */
  receive(payload: unknown, now: number): boolean {
    const parsed = audienceAnnouncementSchema.safeParse(payload);
    if (!parsed.success || parsed.data.instance === this.self) return false;
    const { instance, counts, gone } = parsed.data;
    if (gone) {
      this.remote.delete(instance);
      return true;
    }
    const entries = Object.entries(counts);
    if (entries.length > MAX_STORIES_PER_ANNOUNCEMENT) return false;
    this.remote.set(instance, { counts: new Map(entries), heardAt: now });
    return true;
  }

  /** Readers of `storyId` across all instances: `local` here plus what the others last said. */
  total(storyId: string, local: number, now: number): number {
    let total = local;
    for (const { counts, heardAt } of this.remote.values()) {
      if (now - heardAt > this.expiryMs) continue;
      total += counts.get(storyId) ?? 0;
    }
    return total;
  }

  /** Forgets instances not heard from in time. */
  prune(now: number): void {
    for (const [instance, { heardAt }] of this.remote)
      if (now - heardAt > this.expiryMs) this.remote.delete(instance);
  }

  get instances(): number {
    return this.remote.size;
  }
}
