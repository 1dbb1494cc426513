/**
 * A load-generating process for bench/fanout: holds a few hundred to a few thousand socket.io
 * clients, subscribes each to one story, and measures what arrives — latency from the publish
 * stamp in the id, deliveries, version gaps/repeats per socket. Driven over IPC by the bench.
 *
 * Three client implementations (`--client=lean|raw|sio` on the bench, passed as argv[2]), in
 * client-conn.ts (client-open.ts connects, retries and subscribes them):
 * - `lean` (default): the socket.io v5 / engine.io v4 protocol spoken directly over client-ws.ts'
 *   WebSocket on a bare TCP socket (websocket transport only, no reconnection). Much cheaper per
 *   connection and message than socket.io-client, so that on a small machine the server rather
 *   than the load generator runs out of CPU first.
 * - `raw`: the same protocol over `ws`, and `sio`: socket.io-client with
 *   `transports: ['websocket']`, to cross-check `lean`.
 */
import type { Ack, Envelope, Snapshot } from './client-conn';
import {
  type Client,
  type OpenCommand,
  Opening,
  type Receiver,
  Tally,
  inLanes,
} from './client-open';
import {
  CLIENT_KINDS,
  type ClientKind,
  type CollectResult,
  type OpenResult,
  type WorkerCommand,
  type WorkerReply,
  stampOf,
  wallClock,
} from './protocol';

const KIND: ClientKind = CLIENT_KINDS.find((k) => k === process.argv[2]) ?? 'lean';
const RESERVOIR = Number(process.argv[3] ?? 100_000);

class Worker implements Receiver {
  private clients: Client[] = [];
  private marker = '';
  private headVersion: number | undefined;
  // measurement window
  private deliveries = 0;
  private events = 0;
  private snapshots = 0;
  private samples = new Float64Array(RESERVOIR);
  /** The publish time of each sample, for latency by second of the window. */
  private stamps = new Float64Array(RESERVOIR);
  private seen = 0;
  private latencyMax = 0;
  private firstAt = Number.NaN;
  private lastAt = Number.NaN;
  private gaps = 0;
  private repeats = 0;
  private disconnects = 0;
  private atHeadCount = 0;
  private allAtHeadAt = Number.NaN;
  private cpuAtReset = process.cpuUsage();

  reset(marker: string): void {
    this.marker = marker;
    this.deliveries = 0;
    this.events = 0;
    this.snapshots = 0;
    this.samples = new Float64Array(RESERVOIR);
    this.stamps = new Float64Array(RESERVOIR);
    this.seen = 0;
    this.latencyMax = 0;
    this.firstAt = Number.NaN;
    this.lastAt = Number.NaN;
    this.gaps = 0;
    this.repeats = 0;
    this.disconnects = 0;
    this.cpuAtReset = process.cpuUsage();
  }

  /** A new window that also tracks who reached `headVersion` (undefined: nobody is tracked). */
  private resetHead(marker: string, headVersion: number | undefined): void {
    this.reset(marker);
    this.headVersion = headVersion;
    this.atHeadCount = 0;
    this.allAtHeadAt = Number.NaN;
  }

  async open(cmd: OpenCommand): Promise<OpenResult> {
    this.resetHead(cmd.marker, cmd.headVersion);
    const tally = new Tally();
    const fresh: Client[] = cmd.sockets.map((spec) => ({
      spec,
      conn: null,
      held: -1,
      atHead: false,
      open: false,
    }));
    this.clients.push(...fresh);
    const start = (client: Client) =>
      new Promise<void>((done) => void new Opening(this, KIND, cmd, client, tally, done));
    if (cmd.concurrency <= 0) await Promise.all(fresh.map(start));
    else await inLanes(fresh, cmd.concurrency, start);
    return this.opened(fresh.length, tally.connected, tally);
  }

  /** Subscribes every connected, not yet subscribed socket at the same moment. */
  async subscribeAll(cmd: Extract<WorkerCommand, { op: 'subscribe' }>): Promise<OpenResult> {
    this.resetHead(cmd.marker, cmd.headVersion);
    const waiting = this.clients.filter((c) => c.open && c.conn && c.held < 0);
    const tally = new Tally();
    await Promise.all(waiting.map((client) => this.subscribeOne(client, tally)));
    return this.opened(waiting.length, waiting.length, tally);
  }

  private subscribeOne(client: Client, tally: Tally): Promise<void> {
    return new Promise<void>((done) => {
      const timer = setTimeout(() => {
        tally.failed += 1;
        tally.note('no subscribe ack within 60 s');
        done();
      }, 60_000);
      client.conn!.subscribe(client.spec, (ack) => {
        clearTimeout(timer);
        this.recordAck(client, ack, tally, (a) => `refused: ${a.error?.code}`);
        done();
      });
    });
  }

  /** A subscribe ack: where the socket stands now (its `since`), or a refusal. */
  recordAck(client: Client, ack: Ack, tally: Tally, refusal: (ack: Ack) => string): void {
    if (ack.ok) {
      tally.acked += 1;
      if (client.held < 0 && client.spec.since !== undefined) client.held = client.spec.since;
      this.checkHead(client);
    } else {
      tally.refused += 1;
      tally.note(refusal(ack));
    }
    tally.lastAckAt = wallClock();
  }

  private opened(requested: number, connected: number, t: Tally): OpenResult {
    return {
      type: 'opened',
      requested,
      connected,
      acked: t.acked,
      refused: t.refused,
      failed: t.failed,
      errors: t.errors,
      lastAckAt: t.lastAckAt,
      retries: t.retries,
      atHead: this.atHeadCount,
      allAtHeadAt: this.allAtHeadAt,
    };
  }

  /** A subscribed socket closed. */
  disconnected(): void {
    this.disconnects += 1;
  }

  onMessage(client: Client, name: string, payload: unknown): void {
    const now = wallClock();
    if (name === 'event') {
      const event = payload as Envelope;
      this.events += 1;
      if (client.held >= 0) {
        if (event.version === client.held + 1) client.held = event.version;
        else if (event.version <= client.held) this.repeats += 1;
        else {
          this.gaps += 1;
          client.held = event.version;
        }
      } else {
        // An event before the ack (the gateway acknowledges first, so this is a protocol surprise).
        this.gaps += 1;
        client.held = event.version;
      }
      if (typeof event.reportId === 'string' && event.reportId.startsWith(this.marker)) {
        this.deliveries += 1;
        const stamp = stampOf(event.reportId);
        const latency = now - stamp;
        if (latency > this.latencyMax) this.latencyMax = latency;
        // Reservoir sampling: a uniform sample of every latency of the window.
        const j = this.seen < RESERVOIR ? this.seen : Math.floor(Math.random() * (this.seen + 1));
        if (j < RESERVOIR) {
          this.samples[j] = latency;
          this.stamps[j] = stamp;
        }
        this.seen += 1;
        if (Number.isNaN(this.firstAt)) this.firstAt = now;
        this.lastAt = now;
      }
      this.checkHead(client);
    } else if (name === 'snapshot') {
      this.snapshots += 1;
      client.held = (payload as Snapshot).version;
      this.checkHead(client);
    }
  }

  private checkHead(client: Client): void {
    if (this.headVersion === undefined || client.atHead || client.held < this.headVersion) return;
    client.atHead = true;
    this.atHeadCount += 1;
    if (this.atHeadCount === this.clients.length) this.allAtHeadAt = wallClock();
  }

  count() {
    return {
      type: 'count' as const,
      deliveries: this.deliveries,
      atHead: this.atHeadCount,
      allAtHeadAt: this.allAtHeadAt,
    };
  }

  collect(): CollectResult {
    const cpu = process.cpuUsage(this.cpuAtReset);
    return {
      type: 'collected',
      deliveries: this.deliveries,
      events: this.events,
      snapshots: this.snapshots,
      latencies: this.samples.slice(0, Math.min(this.seen, RESERVOIR)),
      stamps: this.stamps.slice(0, Math.min(this.seen, RESERVOIR)),
      latencyMax: this.latencyMax,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      gaps: this.gaps,
      repeats: this.repeats,
      disconnects: this.disconnects,
      atHead: this.atHeadCount,
      allAtHeadAt: this.allAtHeadAt,
      cpuMicros: cpu.user + cpu.system,
    };
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.conn?.close();
    this.clients = [];
    // Let the close frames go out before the next phase counts connections.
    await new Promise((r) => setTimeout(r, 200));
  }
}

const worker = new Worker();
const reply = (message: WorkerReply) => process.send?.(message);

process.on('message', (cmd: WorkerCommand) => {
  switch (cmd.op) {
    case 'open':
      void worker.open(cmd).then(reply);
      return;
    case 'subscribe':
      void worker.subscribeAll(cmd).then(reply);
      return;
    case 'reset':
      worker.reset(cmd.marker);
      return;
    case 'count':
      reply(worker.count());
      return;
    case 'collect':
      reply(worker.collect());
      return;
    case 'close':
      void worker.close().then(() => reply({ type: 'closed' }));
      return;
    case 'exit':
      void worker.close().then(() => process.exit(0));
      return;
  }
});
// The bench went away: so do we.
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
