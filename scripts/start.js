#!/usr/bin/env node
// Starts the whole system: builds if needed, then runs the ingest and gateway apps side by side
// against NATS and PostgreSQL at their defaults (each app creates the database and runs the
// migrations itself). Once both listen, prints where to look. Ctrl-C stops both gracefully.
//
// The apps need Node 24+. `npm start` runs this on the project's own Node (the devDependency
// `node`, at node_modules/.bin/node, first on an npm script's PATH) and the apps run on the same
// binary (process.execPath). Run directly by an older Node, this uses the project's Node instead.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { createInterface } = require('node:readline');

const root = path.resolve(__dirname, '..');
const entry = (app) => path.join(root, 'dist/apps', app, 'apps', app, 'src/main.js');
const apps = ['ingest', 'gateway'];

const MIN_NODE = 24;
const major = (version) => Number(version.replace(/^v/, '').split('.')[0]);
let nodeBin = process.execPath;
let nodeVersion = process.version;
if (major(process.version) < MIN_NODE) {
  const local = path.join(root, 'node_modules/.bin/node');
  const localVersion = existsSync(local)
    ? spawnSync(local, ['-p', 'process.version'], { encoding: 'utf8' }).stdout?.trim()
    : undefined;
  if (!localVersion || major(localVersion) < MIN_NODE) {
    console.error(
      `livefeed needs Node ${MIN_NODE}+ (this is ${process.version}); ` +
        '`npm ci` installs it into node_modules/.bin/node, and `npm start` uses it',
    );
    process.exit(1);
  }
  nodeBin = local;
  nodeVersion = localVersion;
}

if (process.argv.includes('--build') || apps.some((a) => !existsSync(entry(a)))) {
  // `npm run` puts node_modules/.bin first on PATH, so the build runs on the project's Node too.
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const ports = {};
const children = apps.map((app) => {
  // stdout is piped only to see the `listening` line; every byte goes on to our stdout as is.
  const child = spawn(nodeBin, [entry(app)], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
    env: process.env,
  });
  child.stdout.pipe(process.stdout, { end: false });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (ports[app] !== undefined || !line.includes('"listening"')) return;
    try {
      const log = JSON.parse(line);
      if (log.msg === 'listening' && typeof log.port === 'number') {
        ports[app] = log.port;
        if (apps.every((a) => ports[a] !== undefined)) announce();
      }
    } catch {
      // not a JSON log line
    }
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${app} exited (${signal ?? code}); stopping the rest`);
      stop(code ?? 1);
    }
  });
  return child;
});

/** A short block on stderr, so that stdout stays JSON log lines only. */
function announce() {
  const gateway = `http://localhost:${ports.gateway}`;
  const ingest = `http://localhost:${ports.ingest}`;
  console.error(
    [
      '',
      `livefeed is up (Node ${nodeVersion}):`,
      `  stories       ${gateway}/`,
      `  reader page   ${gateway}/stories/<id>`,
      `  read API      ${gateway}/api/stories`,
      `  write API     ${ingest}/api/stories/<id>/reports   (Authorization: Bearer <LIVEFEED_PUBLISH_TOKENS>)`,
      `  health        ${gateway}/health   ${ingest}/health`,
      'Ctrl-C stops both.',
      '',
    ].join('\n'),
  );
}

let stopping = false;
function stop(code) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  let left = children.filter((c) => c.exitCode === null).length;
  if (left === 0) process.exit(code);
  for (const c of children) c.once('exit', () => --left === 0 && process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
