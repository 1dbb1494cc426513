/**
 * Writes the generated parts of docs/ (JSON Schemas, AsyncAPI, OpenAPI) from the zod schemas of the
 * code: `npm run docs:generate`. `--check` writes nothing and exits 1 when a file is out of date.
 * libs/domain/src/docs.generated.spec.ts runs the same check in the unit tests.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedDocs, SCHEMAS_DIR } from './docs';

const root = join(__dirname, '..');
const check = process.argv.includes('--check');
const files = generatedDocs();
let stale = 0;

for (const [path, contents] of files) {
  const target = join(root, path);
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === contents) continue;
  stale += 1;
  if (check) console.error(`out of date: ${path}`);
  else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
    console.log(`wrote ${path}`);
  }
}
// A schema file the generator no longer makes would otherwise linger, looking current.
const schemasDir = join(root, SCHEMAS_DIR);
for (const name of existsSync(schemasDir) ? readdirSync(schemasDir) : []) {
  const path = `${SCHEMAS_DIR}/${name}`;
  if (files.has(path)) continue;
  stale += 1;
  if (check) console.error(`not generated any more: ${path}`);
  else {
    rmSync(join(root, path));
    console.log(`removed ${path}`);
  }
}
if (check && stale > 0) {
  console.error('run npm run docs:generate');
  process.exit(1);
}
if (!check && stale === 0) console.log('docs are up to date');
