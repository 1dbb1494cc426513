import {
  createLivefeedClient,
  type LivefeedClient,
  type LivefeedClientOptions,
  type LivefeedError,
  type Subscription,
  type SubscriptionStatus,
} from '@livefeed/client';

/** One SDK reader, recording what it was handed: snapshots and events, in order. */
export interface Follower {
  readonly client: LivefeedClient;
  readonly sub: Subscription;
  readonly log: { kind: 'snapshot' | 'event'; version: number }[];
  readonly statuses: SubscriptionStatus[];
  /** When each of `statuses` came (Date.now()). */
  readonly statusAt: number[];
  readonly errors: LivefeedError[];
}

/**
 * What a test reads of a reader, wherever it runs: a {@link Follower} of this process, or the copy
 * of one in a reader worker (reader-pool.ts), brought up to date every few milliseconds.
 */
export interface FollowerView {
  readonly client: { close(): void };
  readonly sub: { readonly status: SubscriptionStatus; readonly version: number };
  readonly log: Follower['log'];
  readonly statuses: SubscriptionStatus[];
  readonly statusAt: number[];
  readonly errors: readonly Pick<LivefeedError, 'code' | 'message'>[];
}

/** The SDK readers of one test file, each on its own client; `closeAll` after the tests. */
export class Followers {
  private readonly all: Follower[] = [];

  follow(url: string, storyId: string, ioOptions?: LivefeedClientOptions['ioOptions']): Follower {
    const client = createLivefeedClient({ url, ioOptions });
    const log: Follower['log'] = [];
    const statuses: SubscriptionStatus[] = [];
    const statusAt: number[] = [];
    const errors: LivefeedError[] = [];
    const sub = client.subscribe(storyId, {
      onState: (state, event) => {
        if (event === null) log.push({ kind: 'snapshot', version: state.version });
      },
      onEvent: (event) => log.push({ kind: 'event', version: event.version }),
      onStatus: (status) => {
        statuses.push(status);
        statusAt.push(Date.now());
      },
      onError: (error) => errors.push(error),
    });
    const follower = { client, sub, log, statuses, statusAt, errors };
    this.all.push(follower);
    return follower;
  }

  closeAll(): void {
    for (const f of this.all.splice(0)) f.client.close();
  }
}

/**
 * The versions a reader was handed, in order: a snapshot of version v stands for the versions
 * after what it held up to v (and for v itself when it did not move forward: a repeat).
 */
export function versionsHeld(f: Pick<FollowerView, 'log'>): number[] {
  const out: number[] = [];
  let held = 0;
  for (const m of f.log) {
    if (m.kind === 'snapshot' && m.version > held) {
      for (let v = held + 1; v <= m.version; v++) out.push(v);
    } else out.push(m.version);
    held = Math.max(held, m.version);
  }
  return out;
}

export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
