/** Small helpers of bench/fanout: time, rounding, a seeded random source, the log line. */
import { readFileSync } from 'node:fs';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const log = (...args: unknown[]) =>
  console.error(`[fanout ${new Date().toISOString().slice(11, 19)}]`, ...args);

/** A small seeded PRNG: the storm's sockets claim the same versions in every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** TCP connections the kernel dropped because a listen queue was full (machine-wide counter). */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  if (i < 0) return Number.NaN;
  const names = lines[i].split(/\s+/);
  const values = lines[i + 1].split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')]);
}
