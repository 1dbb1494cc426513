// Builds the newsroom console's script (the SDK bundled in) and copies its stylesheet:
//   dist/browser/console/console.js (+ .map), console.css
// Usage: node apps/ingest/browser/build.mjs   (run by `npm run build`)
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const outdir = join(root, 'dist', 'browser', 'console');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: [join(here, 'console.ts')],
  outfile: join(outdir, 'console.js'),
  tsconfig: join(root, 'tsconfig.json'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(join(here, 'console.css'), join(outdir, 'console.css'));
console.log('dist/browser/console: console.js, console.css');
