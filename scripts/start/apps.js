// The ingest and gateway apps as child processes. Their JSON log lines (stdout) go to
// <data dir>/logs/<app>.log, and to our stdout as well with --verbose; what they print on stderr
// (a bad configuration, a crash at start) and their error-level log lines always reach the
// terminal, so that the user sees why an app stopped.
const { spawn } = require('node:child_process');
const { createWriteStream } = require('node:fs');
const { createInterface } = require('node:readline');

const STOP_GRACE_MS = 10_000; // the apps drain NATS and finish their batch first
const ERROR_LEVEL = 50; // pino's `error`

/**
 * Spawns `entry` on `nodeBin`. `listening` resolves with the port the app logs once it listens;
 * `exited` with its exit code or signal; `recent` holds its last stderr and error lines.
 */
function startApp(name, { nodeBin, entry, cwd, env, logFile, verbose, onSpawn, onExit }) {
  const log = createWriteStream(logFile, { flags: 'a' });
  log.on('error', () => undefined); // a full disk must not stop the app
  const child = spawn(nodeBin, [entry], {
    cwd,
    env,
    // Its own process group, so that a Ctrl-C reaches the start script only: it stops the apps
    // (SIGTERM, graceful) before the services they use.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn(child.pid, 'SIGTERM', STOP_GRACE_MS);
  child.once('exit', () => onExit(child.pid));
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)));
  child.once('error', (error) => console.error(`[${name}] ${error.message}`));
  let onListening;
  const listening = new Promise((resolve) => (onListening = resolve));

  createInterface({ input: child.stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    if (verbose) process.stdout.write(`${line}\n`);
    const entryOf = parse(line);
    if (!entryOf) return;
    if (entryOf.msg === 'listening' && typeof entryOf.port === 'number') onListening(entryOf.port);
    if (typeof entryOf.level === 'number' && entryOf.level >= ERROR_LEVEL) {
      const summary = `${entryOf.msg ?? ''}${entryOf.err?.message ? `: ${entryOf.err.message}` : ''}`;
      if (!verbose) console.error(`[${name}] error: ${summary}`);
    }
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    log.write(`${line}\n`);
    console.error(`[${name}] ${line}`);
  });
  void exited.then(() => log.end());

  return {
    name,
    pid: child.pid,
    listening,
    exited,
  };
}

function parse(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

module.exports = { startApp };
