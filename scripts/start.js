#!/usr/bin/env node
// Starts the whole system: builds if needed, makes sure PostgreSQL and NATS are there (the
// configured ones, or its own, as LIVEFEED_SERVICES says: README.md, "What npm start starts"),
// runs the ingest and gateway apps (each creates the database and runs the migrations itself),
// and once both listen prints one block saying what runs where. Ctrl-C stops it all: the apps
// first (gracefully), then what it started for them. The apps never start services themselves.
//
// The apps need Node 24+. `npm start` runs this on the project's own Node (the devDependency
// `node`, at node_modules/.bin/node, first on an npm script's PATH) and the apps run on the same
// binary (process.execPath). Run directly by an older Node, this uses the project's Node instead.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, openSync, renameSync } = require('node:fs');
const path = require('node:path');
const { startBlock } = require('./start/announce');
const { startApp } = require('./start/apps');
const { findNatsServer, startNats } = require('./start/nats');
const { readOptions, StartError, UsageError, USAGE } = require('./start/options');
const { startPostgres } = require('./start/postgres');
const { probeNats, probePostgres } = require('./start/probe');
const { startReaper, tailOf, terminate } = require('./start/processes');

const root = path.resolve(__dirname, '..');
const entry = (app) => path.join(root, 'dist/apps', app, 'apps', app, 'src/main.js');
const APPS = ['ingest', 'gateway'];
const MIN_NODE = 24;

const say = (line) => console.error(`livefeed: ${line}`);
/** What runs now, in start order; group 0 (the apps) stops before group 1 (the services). */
const running = [];
let stopping = false;

main().catch((error) => {
  if (error instanceof UsageError) {
    say(error.message);
    process.exit(2);
  }
  say(error instanceof StartError ? error.message : (error?.stack ?? String(error)));
  void stopAll(1);
});

async function main() {
  const options = readOptions(process.argv.slice(2), process.env, root);
  if (options.help) return console.log(USAGE);
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => onSignal(name));
  const { nodeBin, nodeVersion } = projectNode();
  if (options.build || [...APPS, 'cli'].some((a) => !existsSync(entry(a)))) {
    // `npm run` puts node_modules/.bin first on PATH, so the build runs on the project's Node too.
    const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }

  const need = await servicesToStart(options);
  const natsBinary = need.nats ? findNatsServer(options.natsServer) : undefined;
  const logsDir = path.join(options.dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logOf = (name) => {
    const file = path.join(logsDir, `${name}.log`);
    if (existsSync(file)) renameSync(file, path.join(logsDir, `${name}.previous.log`));
    return file;
  };

  const reaper = startReaper(nodeBin);
  // Each process is registered the moment it is spawned, so that a stop (or the reaper, should
  // this script be killed) also reaches one that is still starting.
  const onSpawn = (pid, stopSignal, graceMs, group) => {
    if (pid === undefined) return; // it did not start: its 'exit' says why
    running.push({ pid, stopSignal, graceMs, group });
    reaper.watch(pid, stopSignal, group);
  };
  const onExit = (pid) => {
    reaper.forget(pid);
    const at = running.findIndex((r) => r.pid === pid);
    if (at >= 0) running.splice(at, 1);
  };
  // Once started, a process that ends while nothing asked it to stops everything.
  const watch = (handle, logFile) =>
    void handle.exited.then((how) => {
      if (stopping) return;
      const why = typeof how === 'number' ? `exit code ${how}` : how;
      say(`${handle.name} stopped unexpectedly (${why}); stopping the rest. Its log: ${logFile}`);
      if (handle.name !== 'ingest' && handle.name !== 'gateway') {
        for (const line of tailOf(logFile, 5)) console.error(`  ${line}`);
      }
      void stopAll(1);
    });
  const spawned = (group) => ({ onSpawn: (...a) => onSpawn(...a, group), onExit });

  const note = (line) => say(line);
  const [postgres, nats] = await Promise.all([
    need.postgres &&
      startPostgres({ dataDir: options.dataDir, logFile: logOf('postgres'), note, ...spawned(1) }),
    need.nats &&
      startNats({
        binary: natsBinary,
        dataDir: options.dataDir,
        logFile: logOf('nats'),
        note,
        ...spawned(1),
      }),
  ]);
  if (stopping) return;
  if (postgres) watch(postgres, path.join(logsDir, 'postgres.log'));
  if (nats) watch(nats, path.join(logsDir, 'nats.log'));

  const env = { ...process.env };
  if (postgres) env.DATABASE_URL = postgres.url(options.postgres.database);
  if (nats) env.NATS_URL = nats.url;
  const apps = APPS.map((name) => {
    const logFile = logOf(name);
    const app = startApp(name, {
      nodeBin,
      entry: entry(name),
      cwd: root,
      env,
      logFile,
      verbose: options.verbose,
      ...spawned(0),
    });
    watch(app, logFile);
    return app;
  });
  const ports = {};
  await Promise.all(apps.map(async (app) => (ports[app.name] = await app.listening)));
  if (stopping) return;

  const services = [
    postgres
      ? {
          name: 'PostgreSQL',
          started: true,
          address: env.DATABASE_URL,
          dir: postgres.dir,
          version: postgres.version,
        }
      : { name: 'PostgreSQL', started: false, address: options.postgres.display },
    nats
      ? { name: 'NATS', started: true, address: nats.url, dir: nats.dir, version: nats.version }
      : { name: 'NATS', started: false, address: options.nats.display },
  ];
  const demoStory =
    options.demo === 'on' || (options.demo === 'auto' && (postgres || nats))
      ? playDemo({ nodeBin, env, ports, logFile: logOf('demo'), onSpawn: spawned(0).onSpawn, onExit })
      : undefined;
  const tokens = (process.env.LIVEFEED_PUBLISH_TOKENS ?? '')
    .split(',')
    .filter((t) => t.trim()).length;
  console.error(
    startBlock({
      nodeVersion,
      services,
      ports,
      dataDir: options.dataDir,
      logsDir,
      tokens,
      cwd: root,
      demoStory,
    }),
  );
}

/**
 * Plays the CLI's demo story (`livefeed demo`: docs/cli.md) through the normal ingest path, in the
 * background, so a newcomer has a live story to watch. Its output goes to its log; it ending (or
 * failing) stops nothing else. Returns the story's id.
 */
function playDemo({ nodeBin, env, ports, logFile, onSpawn, onExit }) {
  const storyId = `storm-maren-${randomBytes(3).toString('hex')}`;
  const log = openSync(logFile, 'a');
  const child = spawn(nodeBin, [path.join(root, 'bin/livefeed.js'), 'demo', '--story', storyId], {
    cwd: root,
    env: { ...env, GATEWAY_PORT: String(ports.gateway) },
    detached: true,
    stdio: ['ignore', log, log],
  });
  onSpawn(child.pid, 'SIGTERM', 2_000);
  child.once('exit', (code) => {
    onExit(child.pid);
    if (code !== 0 && code !== null && !stopping)
      say(`the demo story stopped with exit code ${code}; its log: ${logFile}`);
  });
  child.once('error', (error) => say(`could not play the demo story: ${error.message}`));
  return storyId;
}

/**
 * Which services to start here. `auto` starts what does not answer at its configured (or default)
 * address, saying so; `external` fails, naming what did not answer; `local` starts both.
 */
async function servicesToStart(options) {
  if (options.mode === 'local') return { postgres: true, nats: true };
  const [pg, nats] = await Promise.all([
    probePostgres(options.postgres.target),
    probeNats(options.nats.targets),
  ]);
  const problem = (what, address, reason, variable, value, configured) =>
    `${what} at ${address} ${reason.startsWith('answers') ? reason : `did not answer (${reason})`} ` +
    `(${variable}=${value}${configured ? '' : ', the default'})`;
  const { postgres: p, nats: n } = options;
  const problems = [
    !pg.ok &&
      problem('PostgreSQL', p.target.address, pg.reason, 'DATABASE_URL', p.display, p.configured),
    !nats.ok &&
      problem(
        'NATS',
        n.targets.map((t) => t.address).join(', '),
        nats.reason,
        'NATS_URL',
        n.display,
        n.configured,
      ),
  ].filter(Boolean);
  if (options.mode === 'external' && problems.length > 0) {
    throw new StartError(
      `${problems.join('\n  ')}\n  LIVEFEED_SERVICES=external starts nothing of its own: start ` +
        'them, or leave LIVEFEED_SERVICES unset (auto) to have npm start run its own',
    );
  }
  for (const problem of problems) say(`${problem}; starting one here`);
  return { postgres: !pg.ok, nats: !nats.ok };
}

function projectNode() {
  const major = (version) => Number(version.replace(/^v/, '').split('.')[0]);
  if (major(process.version) >= MIN_NODE)
    return { nodeBin: process.execPath, nodeVersion: process.version };
  const local = path.join(root, 'node_modules/.bin/node');
  const localVersion = existsSync(local)
    ? spawnSync(local, ['-p', 'process.version'], { encoding: 'utf8' }).stdout?.trim()
    : undefined;
  if (!localVersion || major(localVersion) < MIN_NODE) {
    say(
      `needs Node ${MIN_NODE}+ (this is ${process.version}); ` +
        '`npm ci` installs it into node_modules/.bin/node, and `npm start` uses it',
    );
    process.exit(1);
  }
  return { nodeBin: local, nodeVersion: localVersion };
}

function onSignal(name) {
  if (!stopping) {
    say(`${name === 'SIGINT' ? 'Ctrl-C' : name}: stopping (again to kill at once)`);
    void stopAll(0);
    return;
  }
  for (const r of running) {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  process.exit(130);
}

/** Stops the apps, then the services, each with its grace period, then exits with `code`. */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const group of [0, 1]) {
    const members = running.filter((r) => r.group === group);
    await Promise.all(members.map((r) => terminate(r.pid, r.stopSignal, r.graceMs)));
  }
  if (code === 0) say('stopped');
  process.exit(code);
}
