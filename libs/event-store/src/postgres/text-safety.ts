// NUL, and UTF-16 surrogate halves that are not part of a pair. NUL is the very thing to find here:
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb refuses unpaired surrogates: a report carrying
 * one would fail its whole batch forever. Such characters become U+FFFD (what a UTF-8 encoder does
 * with a lone surrogate) before the report is decided, so the event that is stored and the event that is
 * published are the same. Returns `value` itself when nothing needs replacing (the usual case, checked
 * without allocating).
 */
export function storableText<T>(value: T): T {
  return suspect(value) ? (clean(value) as T) : value;
}

function suspect(value: unknown): boolean {
  if (typeof value === 'string') return SUSPECT.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(suspect);
  for (const key in value) {
    if (SUSPECT.test(key) || suspect((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD');
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [clean(key), clean(item)]),
    );
  }
  return value;
}
