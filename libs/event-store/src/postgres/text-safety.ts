// NUL, and UTF-16 surrogate halves that are not part of a pair. NUL is the very thing to find here:
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb refuses unpaired surrogates: a report carrying
 * one would fail its whole batch forever. Such characters become U+FFFD (what a UTF-8 encoder does
 * with a lone surrogate) before the report is decided, so the event that is stored and the event that is
 * published are the same. Returns `value` itself when nothing needs replacing (the usual case).
 */
export function storableText<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return SUSPECT.test(value) ? value.replace(UNSTORABLE, '\uFFFD') : value;
  if (Array.isArray(value)) {
    const items = value.map(clean);
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const k = clean(key) as string;
      const v = clean(item);
      changed ||= k !== key || v !== item;
      return [k, v] as const;
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}
