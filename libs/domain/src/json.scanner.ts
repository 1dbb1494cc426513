/**
 * Cheap, iterative looks at JSON text before (or instead of) `JSON.parse`.
 *
 * `JSON.parse` itself copes with deep input, but everything after it — schema
 * validation, the walk for unstorable strings, jsonb in PostgreSQL — recurses,
 * so depth is bounded on the text. And a report that cannot be parsed at all
 * should still be rejected under its own id when that id can be found.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * True when arrays and objects in `text` nest deeper than `limit` (brackets inside
 * strings do not count). One pass, no recursion: 100,000 levels cost a loop.
 * Malformed text is not judged here; `JSON.parse` does that.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * The string value of `key` in the top-level object of `text`, found without
 * parsing the whole text: it may be too big, too deep or broken further on.
 * Undefined when the text does not start as an object or breaks before the key.
 * The first occurrence wins (`JSON.parse` would take the last), which is as good
 * as a guess about unparseable input gets.
 */
export function peekTopLevelString(text: string, key: string): string | undefined {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i++;
  for (;;) {
    i = skipWhitespace(text, i);
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const name = decodeString(text.slice(i, keyEnd));
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') return undefined;
    i = skipWhitespace(text, i + 1);
    if (name === key) {
      const valueEnd = stringEnd(text, i);
      return valueEnd < 0 ? undefined : decodeString(text.slice(i, valueEnd));
    }
    i = valueEnd(text, i);
    if (i < 0) return undefined;
    i = skipWhitespace(text, i);
    if (text[i] !== ',') return undefined;
    i++;
  }
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  return i;
}

/** Index just past the string literal starting at `from`, or -1. */
function stringEnd(text: string, from: number): number {
  if (text.charCodeAt(from) !== QUOTE) return -1;
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Index just past the value starting at `from` (string, container or scalar), or -1. */
function valueEnd(text: string, from: number): number {
  const first = text.charCodeAt(from);
  if (first === QUOTE) return stringEnd(text, from);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(text, i) - 1;
        if (i < 0) return -1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
        return i + 1;
      }
    }
    return -1;
  }
  let i = from;
  while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  return i > from ? i : -1;
}

function decodeString(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
