#!/usr/bin/env node
// The `livefeed` operator CLI (docs/cli.md): runs the app `npm run build` built, on Node 24+.
// Started by an older Node (`npx` puts node_modules/.bin first on PATH, a bare shell may not), it
// runs itself again on the project's own Node (the devDependency `node`).
'use strict';
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { constants } = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist/apps/cli/apps/cli/src/main.js');
if (!existsSync(entry)) {
  console.error(`livefeed: ${entry} is missing: run npm run build first`);
  process.exit(1);
}
if (Number(process.versions.node.split('.')[0]) >= 24) {
  require(entry);
} else {
  const local = path.join(root, 'node_modules/.bin/node');
  if (!existsSync(local)) {
    console.error(`livefeed needs Node 24+ (this is ${process.version}): run npm ci first`);
    process.exit(1);
  }
  const child = spawn(local, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to us is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
