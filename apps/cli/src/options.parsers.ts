/**
 * The domain's STORY_ID, copied so that `--help` and usage errors answer without loading zod
 * (options.parsers.spec.ts checks that the two agree).
 */
const STORY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Values of the commands' options. Each throws an Error whose message says what the value must be;
 * cli.program.ts hands it to commander, which prints it and exits with 2.
 */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new Error('must be a positive number');
  return n;
}

export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 86_400)
    throw new Error('must be a number of seconds from 0 to 86400');
  return n;
}

/** Versions and log positions: 1 to 2^53-1 (a PostgreSQL bigint that JavaScript holds exactly). */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1)
    throw new Error('must be a whole number, 1 or more');
  return Number(value);
}

export function storyId(value: string): string {
  if (!STORY_ID.test(value)) throw new Error('must be a story id: ^[a-z0-9][a-z0-9-]{0,63}$');
  return value;
}

export function filePath(value: string): string {
  if (value.trim() === '') throw new Error('must be a file path');
  return value;
}
