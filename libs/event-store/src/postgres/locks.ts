/**
 * Advisory lock keys. The two-int form `pg_advisory_*lock(space, key)` keeps each use in its own key
 * space, apart from any single-bigint advisory lock another tool may take on the same database.
 */
export const LOCK_SPACE = {
  /** `(space, hashtext(story_id))`, per transaction: serialises the writers of one story. */
  story: 0x4c46_5354, // "LFST"
  /** `(space, 0)`, per session around the events INSERT: see `batch.commit.ts`. */
  logOrder: 0x4c46_4c47, // "LFLG"
  /** `(space, 0)`, per session while migrations run. */
  migrations: 0x4c46_4d47, // "LFMG"
  /** `(space, 0)`, per session while a projection rebuild runs: one at a time (`rebuild/`). */
  rebuild: 0x4c46_5242, // "LFRB"
} as const;
