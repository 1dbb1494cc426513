import { z } from 'zod';

/** A JSON value as the generator builds it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Keys written first, in this order, wherever they appear; every other key follows in code-point
 * order. The order therefore depends on nothing but the keys, so the files are byte-for-byte stable.
 */
const FIRST = [
  '$schema',
  '$id',
  'asyncapi',
  'openapi',
  'info',
  'jsonSchemaDialect',
  'defaultContentType',
  'servers',
  'name',
  'title',
  'summary',
  'description',
  'address',
  'action',
  'in',
  'required',
  'type',
  'const',
  'enum',
];
const RANK = new Map(FIRST.map((key, i) => [key, i]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a) ?? FIRST.length;
  const rb = RANK.get(b) ?? FIRST.length;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value with every object's keys in canonical order (arrays keep theirs). */
export function canonical(value: Json): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort(compareKeys)) out[key] = canonical(value[key]);
  return out;
}

/** Two-space JSON in canonical key order, with a trailing newline. */
export function stableJson(value: Json): string {
  return `${JSON.stringify(canonical(value), null, 2)}\n`;
}

/**
 * A zod schema as JSON Schema (draft 2020-12), without `$schema` so that it can be embedded.
 * `input` describes what a sender may send (defaults optional, unknown keys allowed); `output`
 * what a validated value looks like.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'throw',
  }) as JsonObject;
  return rest;
}

/** Adds descriptions to properties of an object schema, by dotted path (`data.body`). */
export function describeProperties(schema: JsonObject, notes: Record<string, string>): JsonObject {
  for (const [path, description] of Object.entries(notes)) {
    let node: JsonObject = schema;
    for (const segment of path.split('.')) {
      const properties = node.properties as JsonObject | undefined;
      const next = properties?.[segment] as JsonObject | undefined;
      if (!next) throw new Error(`generate-docs: no property ${path} to describe`);
      node = next;
    }
    node.description = description;
  }
  return schema;
}

export const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
