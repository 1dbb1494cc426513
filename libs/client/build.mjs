// Builds the browser bundles of the livefeed client (socket.io-client included):
//   dist/livefeed-client.js   IIFE, global `Livefeed`, for <script src>
//   dist/livefeed-client.mjs  ES module, for <script type="module"> and bundlers
// Usage: node libs/client/build.mjs [--outdir <dir>]   (default libs/client/dist)
import { build } from 'esbuild';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(here, 'dist');

/** Inputs that must never reach a page: Node-only transports and built-ins, and the domain's server-side parts. */
const forbidden = [
  {
    test: (p) =>
      /node_modules\/(ws|xmlhttprequest-ssl|zod|sanitize-html|htmlparser2|pg|@nats-io|@nestjs|reflect-metadata|rxjs)\//.test(
        p,
      ),
    why: 'server-only package',
  },
  { test: (p) => /\.node\.js$/.test(p), why: 'Node-only variant of a module' },
  { test: (p) => builtinModules.some((m) => p === m || p === `node:${m}`), why: 'Node built-in' },
  {
    test: (p) => /libs\/domain\/src\/(?!story\.evolve|story\.state)/.test(p),
    why: 'domain module beyond the fold',
  },
];

const common = {
  absWorkingDir: root,
  entryPoints: [join(here, 'src', 'index.ts')],
  tsconfig: join(root, 'tsconfig.json'),
  bundle: true,
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const builds = [
  {
    ...common,
    format: 'iife',
    globalName: 'Livefeed',
    outfile: join(outdir, 'livefeed-client.js'),
  },
  { ...common, format: 'esm', outfile: join(outdir, 'livefeed-client.mjs') },
];

const problems = [];
for (const options of builds) {
  const { metafile } = await build(options);
  for (const input of Object.keys(metafile.inputs)) {
    for (const rule of forbidden) if (rule.test(input)) problems.push(`${input}: ${rule.why}`);
  }
  const code = await readFile(options.outfile);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `${relative(root, options.outfile)}  ${kib(code.length)}  (gzip ${kib(gzipSync(code).length)})`,
  );
}

if (problems.length > 0) {
  console.error(
    `the client bundle pulls modules a browser cannot or should not load:\n  ${[...new Set(problems)].join('\n  ')}`,
  );
  process.exit(1);
}
