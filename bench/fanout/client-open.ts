/**
 * How client-worker.ts opens its sockets: one `Opening` per socket connects (retrying like
 * socket.io-client) and subscribes, counting into the command's `Tally`.
 */
import { type Ack, type Conn, type ConnHandlers, connect } from './client-conn';
import { type ClientKind, type SocketSpec, type WorkerCommand, wallClock } from './protocol';

/** Connection attempts per socket before it counts as failed. */
const MAX_TRIES = 8;

export type OpenCommand = Extract<WorkerCommand, { op: 'open' }>;

/** What an opening socket reports to the worker that measures it. */
export interface Receiver {
  onMessage(client: Client, name: string, payload: unknown): void;
  disconnected(): void;
  recordAck(client: Client, ack: Ack, tally: Tally, refusal: (ack: Ack) => string): void;
}

/** Per-socket bookkeeping. */
export interface Client {
  readonly spec: SocketSpec;
  conn: Conn | null;
  /** Last version held; -1 until the ack (or a snapshot) says where the socket stands. */
  held: number;
  atHead: boolean;
  open: boolean;
}

/** What an `open` or `subscribe` command counts, for its `opened` reply. */
export class Tally {
  connected = 0;
  acked = 0;
  refused = 0;
  failed = 0;
  retries = 0;
  lastAckAt = Number.NaN;
  readonly errors: string[] = [];

  note(e: string): void {
    if (this.errors.length < 5) this.errors.push(e);
  }
}

/** Runs `fn` over `items`, at most `lanes` at a time. */
export async function inLanes<T>(
  items: T[],
  lanes: number,
  fn: (x: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

/**
 * One socket on its way to subscribed (or, with `deferSubscribe`, connected): attempts retried
 * like socket.io-client's, a deadline of `timeoutMs` from the start; `done` once settled.
 */
export class Opening {
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly worker: Receiver,
    private readonly kind: ClientKind,
    private readonly cmd: OpenCommand,
    private readonly client: Client,
    private readonly tally: Tally,
    private readonly done: () => void,
  ) {
    const timeoutMs = cmd.timeoutMs ?? 60_000;
    this.timer = setTimeout(() => {
      tally.failed += 1;
      tally.note(`not subscribed within ${timeoutMs / 1000} s`);
      client.conn?.close();
      this.settle();
    }, timeoutMs);
    const delay = cmd.spreadMs ? Math.random() * cmd.spreadMs : 0;
    if (delay > 0) setTimeout(() => this.attempt(0), delay);
    else this.attempt(0);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.done();
  }

  private attempt(tries: number): void {
    const { worker, client } = this;
    let subscribed = false;
    const handlers: ConnHandlers = {
      onOpen: () => this.onOpen(() => (subscribed = true)),
      onFail: (reason) => this.retryOrFail(tries, reason),
      onClose: () => {
        if (!subscribed && !client.open)
          return this.retryOrFail(tries, 'closed before the subscribe ack');
        client.open = false;
        worker.disconnected();
      },
      onMessage: (name, payload) => worker.onMessage(client, name, payload),
    };
    client.conn = connect(this.kind, this.cmd.url, handlers);
  }

  private retryOrFail(tries: number, reason: string): void {
    if (this.settled) return;
    if (tries < MAX_TRIES) {
      this.tally.retries += 1;
      this.tally.note(`retried: ${reason}`);
      // socket.io-client's defaults: 1 s doubling to 5 s, ±50 % jitter.
      const delay = Math.min(5000, 1000 * 2 ** tries) * (0.5 + Math.random());
      setTimeout(() => this.attempt(tries + 1), delay);
      return;
    }
    this.tally.failed += 1;
    this.tally.note(reason);
    this.settle();
  }

  private onOpen(markSubscribed: () => void): void {
    const { client, tally } = this;
    if (this.cmd.deferSubscribe) {
      client.open = true;
      tally.connected += 1;
      tally.lastAckAt = wallClock();
      return this.settle();
    }
    client.conn!.subscribe(client.spec, (ack) => {
      if (this.settled) return;
      markSubscribed();
      client.open = true;
      tally.connected += 1;
      this.worker.recordAck(
        client,
        ack,
        tally,
        (a) => `refused: ${a.error?.code} ${a.error?.message}`,
      );
      this.settle();
    });
  }
}
