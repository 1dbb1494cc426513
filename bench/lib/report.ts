import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `<name>.json` and `<name>.md` under bench/results and prints the markdown. */
export function writeReport(name: string, json: unknown, markdown: string): void {
  const dir = path.resolve(__dirname, '../results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(dir, `${name}.md`), markdown);
  console.log(markdown);
}

export function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

/** Bytes as KB with one decimal: `9.5 KB`. */
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
