import { parseReportBytes } from '@livefeed/domain';

/** A line of a JSON-lines file that can be filed: its report's id, story and bytes. */
export interface FilingLine {
  readonly line: number;
  readonly reportId: string;
  readonly storyId: string;
  readonly bytes: Uint8Array;
}

/** A line that cannot be filed, by its 1-based number, and why. */
export interface BrokenLine {
  readonly line: number;
  readonly error: string;
}

export type ParsedLine =
  | { readonly ok: true; readonly filing: FilingLine }
  | { readonly ok: false; readonly broken: BrokenLine };

const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The lines of a JSON-lines file with their 1-based numbers, as bytes: `\n` or `\r\n` endings, a
 * UTF-8 byte-order mark at the start ignored, blank lines skipped (they are counted, so the numbers
 * stay those an editor shows).
 */
export function* jsonLines(content: Uint8Array): Generator<{ line: number; bytes: Uint8Array }> {
  let start = BOM.every((b, i) => content[i] === b) ? BOM.length : 0;
  for (let line = 1; start < content.length; line += 1) {
    let end = content.indexOf(NEWLINE, start);
    if (end === -1) end = content.length;
    const next = end + 1;
    if (end > start && content[end - 1] === CR) end -= 1;
    const bytes = content.subarray(start, end);
    if (!isBlank(bytes)) yield { line, bytes };
    start = next;
  }
}

function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x20 || b === 0x09 || b === CR);
}

/**
 * A line of a `publish` file: broken when the service could not even read it as a report (too
 * large, not UTF-8, not JSON, not a report by the schema of docs/protocol.md, "Reports in") —
 * the domain's own parser decides, so what is filed is what ingest accepts as a report. Whether
 * the story takes it is for ingest to decide: that is a rejection, an outcome.
 */
export function reportLine(line: number, bytes: Uint8Array): ParsedLine {
  const parsed = parseReportBytes(bytes, { fallbackId: `line:${line}` });
  if (!parsed.ok) return { ok: false, broken: { line, error: parsed.rejection.message } };
  const { id, storyId } = parsed.report;
  return { ok: true, filing: { line, reportId: id, storyId, bytes } };
}

/**
 * A line of an `import` file (an export): the event is filed as the report it came from — the
 * same id, type, author, `occurredAt` and data, a stored `null` meaning the field was absent — so
 * that deciding it again makes the same event, and importing twice changes nothing.
 */
export function eventLine(line: number, bytes: Uint8Array): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return broken(
      line,
      `malformed JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const report = reportOfEvent(value);
  if (typeof report === 'string') return broken(line, report);
  return reportLine(line, encoder.encode(JSON.stringify(report)));
}

const EVENT_FIELDS = ['reportId', 'storyId', 'type', 'author', 'occurredAt'] as const;

/** The report an exported event came from, or what keeps the value from being an event. */
export function reportOfEvent(value: unknown): Record<string, unknown> | string {
  if (!isObject(value)) return 'not an event: a JSON object is expected';
  const missing = EVENT_FIELDS.filter((f) => typeof value[f] !== 'string');
  if (missing.length > 0)
    return `not an event of an export: ${missing.join(', ')} must be ${missing.length > 1 ? 'strings' : 'a string'}`;
  if (!isObject(value.data)) return 'not an event of an export: data must be an object';
  return {
    id: value.reportId,
    storyId: value.storyId,
    type: value.type,
    author: value.author,
    occurredAt: value.occurredAt,
    data: withoutNulls(value.data),
  };
}

/** Drops null-valued keys, also in nested objects and lists of them: a report has no nullable field. */
function withoutNulls(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(data)) if (item !== null) out[key] = cleaned(item);
  return out;
}

function cleaned(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleaned);
  return isObject(value) ? withoutNulls(value) : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function broken(line: number, error: string): ParsedLine {
  return { ok: false, broken: { line, error } };
}
