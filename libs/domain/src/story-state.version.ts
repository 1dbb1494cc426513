/**
 * The shape of `StoryState` as this release writes it into stored snapshots (the event store's
 * `story_snapshots.state_schema`). Raise it whenever `StoryState` or what `evolve` puts in it
 * changes: snapshots written under another number are then ignored by time travel and rewritten
 * from the log, never folded forward as if they had today's shape.
 */
export const STORY_STATE_SCHEMA = 1;
