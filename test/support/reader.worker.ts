/**
 * A reader worker of reader-pool.ts: SDK readers (followers.ts) in a process of their own, as
 * readers on their own phones are, so that a thousand of them reconnecting and catching up do not
 * stall the test process. Run with tsx (`--import tsx`). Every few milliseconds it sends its parent
 * what changed of each reader: the messages it was handed, its statuses (with the time each came),
 * its errors, and its version.
 */
import type { LivefeedClientOptions } from '@livefeed/client';
import { type Follower, Followers } from './followers';

export type ReaderCommand =
  | {
      readonly op: 'follow';
      readonly id: number;
      readonly url: string;
      readonly storyId: string;
      readonly ioOptions?: LivefeedClientOptions['ioOptions'];
    }
  | { readonly op: 'close'; readonly id: number }
  | { readonly op: 'closeAll' };

/** One reader's changes since the last update: log entries as `[snapshot ? 1 : 0, version]`. */
export interface ReaderUpdate {
  readonly id: number;
  readonly log: readonly (readonly [0 | 1, number])[];
  readonly statuses: readonly (readonly [Follower['statuses'][number], number])[];
  readonly errors: readonly { readonly code: string; readonly message: string }[];
  readonly status: Follower['statuses'][number];
  readonly version: number;
}
export type WorkerMessage = { readonly ready: true } | { readonly updates: ReaderUpdate[] };

const UPDATE_EVERY_MS = 20;

interface Sent {
  readonly follower: Follower;
  log: number;
  statuses: number;
  errors: number;
  status: string;
  version: number;
}

const followers = new Followers();
const readers = new Map<number, Sent>();

const send = (message: WorkerMessage) => process.send?.(message);

function updates(): ReaderUpdate[] {
  const out: ReaderUpdate[] = [];
  for (const [id, sent] of readers) {
    const f = sent.follower;
    const { status, version } = f.sub;
    if (
      f.log.length === sent.log &&
      f.statuses.length === sent.statuses &&
      f.errors.length === sent.errors &&
      status === sent.status &&
      version === sent.version
    )
      continue;
    out.push({
      id,
      log: f.log.slice(sent.log).map((m) => [m.kind === 'snapshot' ? 1 : 0, m.version] as const),
      statuses: f.statuses.slice(sent.statuses).map((s, i) => [s, f.statusAt[sent.statuses + i]]),
      errors: f.errors.slice(sent.errors).map((e) => ({ code: e.code, message: e.message })),
      status,
      version,
    });
    Object.assign(sent, {
      log: f.log.length,
      statuses: f.statuses.length,
      errors: f.errors.length,
      status,
      version,
    });
  }
  return out;
}

const flush = () => {
  const changed = updates();
  if (changed.length > 0) send({ updates: changed });
};
setInterval(flush, UPDATE_EVERY_MS);

process.on('message', (command: ReaderCommand) => {
  switch (command.op) {
    case 'follow': {
      const follower = followers.follow(command.url, command.storyId, command.ioOptions);
      readers.set(command.id, {
        follower,
        log: 0,
        statuses: 0,
        errors: 0,
        status: '',
        version: -1,
      });
      return;
    }
    case 'close':
      readers.get(command.id)?.follower.client.close();
      return;
    case 'closeAll':
      followers.closeAll();
      process.exit(0);
  }
});
// The test process went away: its readers go with it.
process.on('disconnect', () => process.exit(0));
send({ ready: true });
