#!/usr/bin/env node
// Starts the whole system: builds if needed, then runs the ingest and gateway apps side by side
// against NATS and PostgreSQL at their defaults (each app creates the database and runs the
// migrations itself). Ctrl-C stops both gracefully.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = (app) => path.join(root, 'dist/apps', app, 'apps', app, 'src/main.js');
const apps = ['ingest', 'gateway'];

if (process.argv.includes('--build') || apps.some((a) => !existsSync(entry(a)))) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const children = apps.map((app) => {
  const child = spawn(process.execPath, [entry(app)], { cwd: root, stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${app} exited (${signal ?? code}); stopping the rest`);
      stop(code ?? 1);
    }
  });
  return child;
});

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
