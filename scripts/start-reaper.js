#!/usr/bin/env node
// The start script's reaper (scripts/start/processes.js, startReaper). It reads lines from its
// stdin, a pipe from the start script: `watch <pid> <signal> <group>` and `forget <pid>`. When
// that pipe closes, the start script has ended; whatever is still registered was left behind by
// a crash (a normal stop forgets each process as it exits), so the reaper stops it: group 0 (the
// apps) first, then group 1 (PostgreSQL and NATS, which the apps need until they are gone).
const { createInterface } = require('node:readline');
const { terminate } = require('./start/processes');

const GRACE_MS = 10_000;
const watched = new Map();

// Ctrl-C and a closed terminal are the start script's to handle; the reaper waits for its end.
for (const name of ['SIGINT', 'SIGHUP']) process.on(name, () => undefined);

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [verb, pid, stopSignal, group] = line.trim().split(/\s+/);
    if (verb === 'watch') watched.set(Number(pid), { stopSignal, group: Number(group) });
    else if (verb === 'forget') watched.delete(Number(pid));
  })
  .on('close', async () => {
    for (const group of [0, 1]) {
      const left = [...watched].filter(([, w]) => w.group === group);
      await Promise.all(left.map(([pid, w]) => terminate(pid, w.stopSignal, GRACE_MS)));
    }
    process.exit(0);
  });
