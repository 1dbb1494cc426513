// A development NATS of the start script's own: a nats-server from this machine (there is none on
// the npm registry, and nothing is downloaded), with JetStream, its store under <data dir>/nats,
// on 127.0.0.1 and a free port.
const { spawn, spawnSync } = require('node:child_process');
const {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
} = require('node:fs');
const path = require('node:path');
const { StartError } = require('./options');
const { freePort, probeNats } = require('./probe');
const { commandLine, isRunning, tailOf, terminate } = require('./processes');

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
// Where package managers put it, also when they are not on this user's PATH (/usr/sbin on Debian).
const USUAL_DIRS = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/bin',
  '/opt/homebrew/bin',
];

/** The nats-server to run: LIVEFEED_NATS_SERVER, else the first on PATH or in the usual places. */
function findNatsServer(explicit, env = process.env) {
  const name = process.platform === 'win32' ? 'nats-server.exe' : 'nats-server';
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new StartError(
      `LIVEFEED_NATS_SERVER=${explicit} is not an executable file. ${installHint()}`,
    );
  }
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...USUAL_DIRS];
  const found = dirs.map((d) => path.join(d, name)).find(isExecutable);
  if (found) return found;
  throw new StartError(`no nats-server on PATH or in ${USUAL_DIRS.join(', ')}. ${installHint()}`);
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** One line: how to install nats-server on this OS, and Docker as the other way. */
function installHint() {
  const docker = 'or run everything with Docker: docker compose up';
  if (process.platform === 'darwin') return `Install it with: brew install nats-server (${docker})`;
  if (process.platform === 'linux') {
    let release = '';
    try {
      release = readFileSync('/etc/os-release', 'utf8');
    } catch {
      // not every Linux has it
    }
    const ids = (release.match(/^ID(?:_LIKE)?=.*$/gm) ?? []).join(' ');
    if (/debian|ubuntu/.test(ids)) {
      const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
      return `Install it with: ${sudo}apt-get install nats-server (${docker})`;
    }
  }
  return `Install it as https://docs.nats.io/running-a-nats-service/introduction/installation says (${docker})`;
}

/** Starts nats-server with JetStream and resolves once it answers (callbacks as startPostgres's). */
async function startNats({ binary, dataDir, logFile, note, onSpawn, onExit }) {
  const dir = path.join(dataDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'nats-server.pid');
  await recoverLeftover(pidFile, dir, note);
  const version = (spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '').trim();
  const port = await freePort();
  const log = openSync(logFile, 'a');
  let child;
  try {
    child = spawn(
      binary,
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, '-P', pidFile],
      // Its own process group, so that a Ctrl-C reaches the start script only (see postgres.js).
      { detached: true, stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
  onSpawn(child.pid, 'SIGTERM', STOP_GRACE_MS);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, sig) => {
      onExit(child.pid);
      resolve(sig ?? code);
    }),
  );
  child.once('error', () => undefined); // also reported as an exit
  let gone;
  void exited.then((how) => (gone = how));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if ((await probeNats([{ host: '127.0.0.1', port }], 1_000)).ok) break;
    if (gone !== undefined || Date.now() > deadline) {
      if (gone === undefined) await terminate(child.pid, 'SIGKILL', 0);
      const why =
        gone === undefined ? `not ready within ${READY_TIMEOUT_MS / 1000} s` : `exited: ${gone}`;
      throw new StartError(
        `nats-server did not start (${why}): ${tailOf(logFile, 4).join('\n  ')}\n  its log: ${logFile}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name: 'NATS',
    pid: child.pid,
    port,
    dir,
    version: version.replace(/^nats-server: v?/, 'nats-server '),
    binary,
    exited,
    url: `nats://127.0.0.1:${port}`,
  };
}

/** A nats-server an earlier, killed run left running on this store is stopped first. */
async function recoverLeftover(pidFile, dir, note) {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return;
  const command = commandLine(pid);
  if (!command.includes('nats-server') || !command.includes(` -sd ${dir} `)) return;
  note(`stopping the nats-server an earlier run left running (pid ${pid})`);
  await terminate(pid, 'SIGTERM', STOP_GRACE_MS);
}

module.exports = { findNatsServer, startNats };
