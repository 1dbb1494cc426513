// Processes the start script runs: whether one still runs, what it is, stopping it with a grace
// period, and the reaper that stops them all should the start script itself be killed.
const { spawn, spawnSync } = require('node:child_process');
const { closeSync, openSync, readFileSync, readSync, fstatSync } = require('node:fs');
const path = require('node:path');

/** True while `pid` runs (a zombie, exited but not yet reaped, counts as gone). */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) said it runs
  }
}

/** The command line `pid` runs, or '' when it cannot be read. */
function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : '';
  }
}

async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Sends `first`, waits up to `graceMs` for the exit, then SIGKILL. Resolves once it is gone. */
async function terminate(pid, first, graceMs) {
  signal(pid, first);
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

/** The last `lines` lines of a file (its last 16 KiB at most), for error messages. */
function tailOf(file, lines = 15) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 16 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Starts the reaper (scripts/start-reaper.js), a small process of its own that outlives the start
 * script: when the start script ends, however (even SIGKILL), its stdin closes, and it stops every
 * process still registered with it. `watch` registers one, `forget` one that has exited.
 */
function startReaper(nodeBin) {
  const child = spawn(nodeBin, [path.join(__dirname, '..', 'start-reaper.js')], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  child.stdin.unref();
  child.stdin.on('error', () => undefined);
  const send = (line) => {
    if (child.stdin.writable) child.stdin.write(`${line}\n`);
  };
  return {
    pid: child.pid,
    /** `group` 0 (the apps) stops before group 1 (the services they use). */
    watch: (pid, stopSignal, group) => send(`watch ${pid} ${stopSignal} ${group}`),
    forget: (pid) => send(`forget ${pid}`),
  };
}

module.exports = { isRunning, commandLine, terminate, tailOf, startReaper };
