// Builds the pages' browser code (docs/protocol.md, "Pages") with esbuild:
//   dist/pages/reader.js   the story and list pages' script (SDK included), served at /assets/reader.js
//   dist/pages/embed.js    the <livefeed-story> custom element, served at /embed.js
//   dist/pages/pages.css   the one stylesheet, served at /assets/pages.css (the embed carries it inside)
// Usage: node apps/gateway/src/pages/browser/build.mjs
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..', '..');
const outdir = join(root, 'dist', 'pages');

/** What must never reach a page: server-only packages, Node built-ins, the domain beyond its types and fold. */
const forbidden = [
  (p) => /node_modules\/(ws|xmlhttprequest-ssl|zod|sanitize-html|htmlparser2|pg|@nats-io|@nestjs|reflect-metadata|rxjs)\//.test(p),
  (p) => builtinModules.some((m) => p === m || p === `node:${m}`),
  (p) => /libs\/domain\/src\/(?!story\.evolve|story\.state)/.test(p),
  (p) => /apps\/gateway\/src\/(?!pages\/(render|browser)\/)/.test(p),
];

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const problems = [];
for (const name of ['reader.page', 'embed.element']) {
  const outfile = join(outdir, `${name.split('.')[0]}.js`);
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: [join(here, `${name}.ts`)],
    tsconfig: join(root, 'tsconfig.json'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    loader: { '.css': 'text' },
    metafile: true,
    logLevel: 'warning',
    outfile,
  });
  for (const input of Object.keys(metafile.inputs))
    if (forbidden.some((rule) => rule(input))) problems.push(input);
  const code = await readFile(outfile);
  console.log(`${relative(root, outfile)}  ${(code.length / 1024).toFixed(1)} KiB  (gzip ${(gzipSync(code).length / 1024).toFixed(1)} KiB)`);
}
await copyFile(join(here, 'pages.css'), join(outdir, 'pages.css'));

if (problems.length > 0) {
  console.error(`the pages' bundles pull modules a browser must not load:\n  ${[...new Set(problems)].join('\n  ')}`);
  process.exit(1);
}
