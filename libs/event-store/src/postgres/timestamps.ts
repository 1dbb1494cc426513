import { types, type CustomTypesConfig } from 'pg';

const TIMESTAMPTZ_OID = 1184;
// timestamptz as PostgreSQL prints it in a UTC session with the ISO DateStyle: `2026-11-24 08:15:00.412+00`.
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * The contract's instant form (`2026-11-24T08:15:00.412Z`) straight from PostgreSQL's text, without
 * building a Date per value: reads of the log and the batch's loads parse thousands of them. Anything
 * unusual (another session time zone, a BC date) goes through pg's own parser.
 */
export function isoFromTimestamptz(text: string): string {
  const m = UTC_TEXT.exec(text);
  if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  return (types.getTypeParser(TIMESTAMPTZ_OID, 'text')(text) as Date).toISOString();
}

/** Per-query type parsers: timestamptz as ISO strings, everything else as pg does by default. */
export const ISO_TIMESTAMPS: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? isoFromTimestamptz
      : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

// timestamptz inside json output of a UTC session: `2026-11-24T08:15:00.412+00:00`.
const UTC_JSON = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00:00$/;

/** The contract's instant form from a timestamptz that went through `json_agg`/`to_json`. */
export function isoFromJson(text: string): string;
export function isoFromJson(text: string | null): string | null;
export function isoFromJson(text: string | null): string | null {
  if (text === null) return null;
  const m = UTC_JSON.exec(text);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  return new Date(text).toISOString();
}
