// Imports nothing, like story.evolve.ts: a reader of the log needs no zod.

/**
 * The shape of event `data` this code writes, and `evolve` understands. Every stored event carries the
 * version it was written in (`events.schema_version`); the log is never rewritten, so older shapes are
 * brought up to this one on every read by {@link upcastEventData} (docs/architecture.md, "Event schema
 * versions").
 *
 * History: 1, the first release: an `entry.posted` cites at most one `source`. 2: it cites `sources`
 * (1–10, absent when none).
 */
export const CURRENT_EVENT_SCHEMA = 2;

type Data = Readonly<Record<string, unknown>>;

/**
 * One step, from version `n` to `n + 1`, of every event type: returns the data unchanged for the types
 * the step does not concern. Pure: never mutates its input.
 */
type Upcaster = (type: string, data: Data) => Data;

/** v1 → v2: an entry's single optional `source` becomes `sources`, a list of one (none: no key). */
const citeSources: Upcaster = (type, data) => {
  if (type !== 'entry.posted' || !('source' in data)) return data;
  const { source, ...rest } = data;
  // Version 1 wrote no key when there was no source; a null is read the same way.
  return source === null || source === undefined ? rest : { ...rest, sources: [source] };
};

/**
 * `UPCASTERS[n - 1]` takes version `n` to `n + 1`; the next change of shape appends one function and
 * raises {@link CURRENT_EVENT_SCHEMA}.
 */
const UPCASTERS: readonly Upcaster[] = [citeSources];
if (UPCASTERS.length !== CURRENT_EVENT_SCHEMA - 1) {
  throw new Error(
    `event.upcast: ${UPCASTERS.length} upcasters for schema version ${CURRENT_EVENT_SCHEMA}`,
  );
}

/**
 * An event's `data` as stored in schema version `schemaVersion`, in today's shape: each step from that
 * version up to {@link CURRENT_EVENT_SCHEMA} applied in turn. Data already current is returned as it
 * is (the same object), so reading a current log costs nothing.
 *
 * @throws RangeError for a version that is no positive integer, or one newer than this code knows (a
 *   log written by a later release: upgrade before reading it, rather than misread it).
 */
export function upcastEventData(type: string, schemaVersion: number, data: Data): Data {
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1) {
    throw new RangeError(
      `${type} event has schema version ${String(schemaVersion)}, which is not a positive integer`,
    );
  }
  if (schemaVersion > CURRENT_EVENT_SCHEMA) {
    throw new RangeError(
      `${type} event has schema version ${schemaVersion}, newer than this code knows ` +
        `(${CURRENT_EVENT_SCHEMA}): the log was written by a later release; upgrade before reading it`,
    );
  }
  let upgraded = data;
  for (let version = schemaVersion; version < CURRENT_EVENT_SCHEMA; version += 1) {
    upgraded = UPCASTERS[version - 1](type, upgraded);
  }
  return upgraded;
}
