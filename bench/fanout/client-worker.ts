/**
 * A load-generating process for bench/fanout: holds a few hundred to a few thousand socket.io
 * clients, subscribes each to one story, and measures what arrives — latency from the publish
 * stamp in the id, deliveries, version gaps/repeats per socket. Driven over IPC by the bench.
 *
 * Two client implementations (`--client=raw|sio` on the bench, passed as argv[2]):
 * - `raw` (default): the socket.io v5 / engine.io v4 protocol spoken directly over `ws`
 *   (websocket transport only, no reconnection). Much cheaper per message than socket.io-client,
 *   so that on a small machine the server rather than the load generator runs out of CPU first.
 * - `sio`: socket.io-client with `transports: ['websocket']`, to cross-check `raw`.
 */
import WebSocket from 'ws';
import { io, type Socket as IoSocket } from 'socket.io-client';
import {
  type ClientKind,
  type CollectResult,
  type OpenResult,
  type SocketSpec,
  type WorkerCommand,
  type WorkerReply,
  stampOf,
  wallClock,
} from './protocol';

const KIND: ClientKind = process.argv[2] === 'sio' ? 'sio' : 'raw';
const RESERVOIR = Number(process.argv[3] ?? 100_000);
/** Connection attempts per socket before it counts as failed. */
const MAX_TRIES = 8;

interface Ack {
  ok: boolean;
  version?: number;
  error?: { code: string; message: string };
}
interface Envelope {
  storyId: string;
  version: number;
  reportId: string;
}
interface Snapshot {
  storyId: string;
  version: number;
}

/** The few things the bench needs from a connection. */
interface Conn {
  subscribe(spec: SocketSpec, onAck: (ack: Ack) => void): void;
  close(): void;
}
interface ConnHandlers {
  onOpen(): void;
  onFail(reason: string): void;
  onClose(): void;
  onMessage(name: string, payload: unknown): void;
}

const EVENT_PREFIX = '42["event",{';

/**
 * `version` and `reportId` of an event packet without parsing all of it. Inside a JSON string every
 * `"` is escaped, so `"version":` can only be a key; the bench's event data has no such nested key.
 */
function scanEvent(m: string): Envelope | null {
  const v = m.indexOf('"version":');
  const r = m.indexOf('"reportId":"');
  if (v < 0 || r < 0) return null;
  const version = parseInt(m.slice(v + 10, v + 30), 10);
  const end = m.indexOf('"', r + 12);
  if (!Number.isSafeInteger(version) || end < 0) return null;
  return { storyId: '', version, reportId: m.slice(r + 12, end) };
}

/** socket.io over a bare WebSocket: `0{..}` open, `40` connect, `2`/`3` ping/pong, `42[..]` events, `43<id>[..]` acks. */
function rawConn(url: string, h: ConnHandlers): Conn {
  const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  let acks: ((ack: Ack) => void) | null = null;
  let connected = false;
  let closed = false;
  const end = (reason?: string) => {
    if (closed) return;
    closed = true;
    if (!connected) h.onFail(reason ?? 'closed before connecting');
    else h.onClose();
  };
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const m = raw.toString();
    switch (m.charCodeAt(0)) {
      case 0x32: // '2' ping
        ws.send('3');
        return;
      case 0x30: // '0' engine.io open: connect the default namespace
        ws.send('40');
        return;
      case 0x31: // '1' close
        ws.close();
        return;
      case 0x34: {
        // '4' socket.io packet
        const t = m.charCodeAt(1);
        if (t === 0x32) {
          // '2' EVENT: 42["name",payload]. Live events take a cheap scan instead of a full parse.
          const event = m.startsWith(EVENT_PREFIX) ? scanEvent(m) : null;
          if (event) return h.onMessage('event', event);
          const [name, payload] = JSON.parse(m.slice(2)) as [string, unknown];
          h.onMessage(name, payload);
        } else if (t === 0x33) {
          // '3' ACK: 43<id>[payload]  (one subscribe per socket: any id is ours)
          const start = m.indexOf('[');
          const [ack] = JSON.parse(m.slice(start)) as [Ack];
          const cb = acks;
          acks = null;
          cb?.(ack);
        } else if (t === 0x30) {
          connected = true;
          h.onOpen();
        } else if (t === 0x34) {
          end(`connect_error ${m.slice(2)}`);
          ws.close();
        } else if (t === 0x31) {
          ws.close();
        }
        return;
      }
      default:
        return;
    }
  });
  ws.on('error', (error: Error) => end(error.message));
  ws.on('close', () => end());
  return {
    subscribe(spec, onAck) {
      acks = onAck;
      ws.send(`421${JSON.stringify(['subscribe', spec])}`);
    },
    close() {
      closed = true;
      ws.terminate();
    },
  };
}

function sioConn(url: string, h: ConnHandlers): Conn {
  const socket: IoSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
  });
  let connected = false;
  let closed = false;
  socket.on('connect', () => {
    connected = true;
    h.onOpen();
  });
  socket.on('connect_error', (error: Error) => {
    if (closed) return;
    closed = true;
    h.onFail(error.message);
  });
  socket.on('disconnect', () => {
    if (closed) return;
    closed = true;
    if (connected) h.onClose();
    else h.onFail('disconnected before connecting');
  });
  socket.onAny((name: string, payload: unknown) => h.onMessage(name, payload));
  return {
    subscribe(spec, onAck) {
      socket.emit('subscribe', spec, onAck);
    },
    close() {
      closed = true;
      socket.disconnect();
    },
  };
}

/** Per-socket bookkeeping. */
interface Client {
  readonly spec: SocketSpec;
  conn: Conn | null;
  /** Last version held; -1 until the ack (or a snapshot) says where the socket stands. */
  held: number;
  atHead: boolean;
  open: boolean;
}

class Worker {
  private clients: Client[] = [];
  private marker = '';
  private headVersion: number | undefined;
  // measurement window
  private deliveries = 0;
  private events = 0;
  private snapshots = 0;
  private samples = new Float64Array(RESERVOIR);
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
    this.seen = 0;
    this.latencyMax = 0;
    this.firstAt = Number.NaN;
    this.lastAt = Number.NaN;
    this.gaps = 0;
    this.repeats = 0;
    this.disconnects = 0;
    this.cpuAtReset = process.cpuUsage();
  }

  async open(cmd: Extract<WorkerCommand, { op: 'open' }>): Promise<OpenResult> {
    this.reset(cmd.marker);
    this.headVersion = cmd.headVersion;
    this.atHeadCount = 0;
    this.allAtHeadAt = Number.NaN;
    const errors: string[] = [];
    let connected = 0;
    let acked = 0;
    let refused = 0;
    let failed = 0;
    let lastAckAt = Number.NaN;
    const fresh: Client[] = cmd.sockets.map((spec) => ({
      spec,
      conn: null,
      held: -1,
      atHead: false,
      open: false,
    }));
    this.clients.push(...fresh);
    const note = (e: string) => {
      if (errors.length < 5) errors.push(e);
    };

    let retries = 0;
    /** Connects and subscribes one socket, retrying failed connections like socket.io-client. */
    const start = (client: Client) =>
      new Promise<void>((done) => {
        let settled = false;
        const settle = () => {
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            done();
          }
        };
        const timeoutMs = cmd.timeoutMs ?? 60_000;
        const timer = setTimeout(() => {
          failed += 1;
          note(`not subscribed within ${timeoutMs / 1000} s`);
          client.conn?.close();
          settle();
        }, timeoutMs);
        const attempt = (tries: number) => {
          let subscribed = false;
          const retryOrFail = (reason: string) => {
            if (settled) return;
            if (tries < MAX_TRIES) {
              retries += 1;
              note(`retried: ${reason}`);
              // socket.io-client's defaults: 1 s doubling to 5 s, ±50 % jitter.
              const delay = Math.min(5000, 1000 * 2 ** tries) * (0.5 + Math.random());
              setTimeout(() => attempt(tries + 1), delay);
              return;
            }
            failed += 1;
            note(reason);
            settle();
          };
          const handlers: ConnHandlers = {
            onOpen: () => {
              if (cmd.deferSubscribe) {
                client.open = true;
                connected += 1;
                lastAckAt = wallClock();
                return settle();
              }
              client.conn!.subscribe(client.spec, (ack) => {
                if (settled) return;
                subscribed = true;
                client.open = true;
                connected += 1;
                if (ack.ok) {
                  acked += 1;
                  if (client.held < 0 && client.spec.since !== undefined)
                    client.held = client.spec.since;
                  this.checkHead(client);
                } else {
                  refused += 1;
                  note(`refused: ${ack.error?.code} ${ack.error?.message}`);
                }
                lastAckAt = wallClock();
                settle();
              });
            },
            onFail: (reason) => retryOrFail(reason),
            onClose: () => {
              if (!subscribed && !client.open)
                return retryOrFail('closed before the subscribe ack');
              client.open = false;
              this.disconnects += 1;
            },
            onMessage: (name, payload) => this.onMessage(client, name, payload),
          };
          client.conn = KIND === 'sio' ? sioConn(cmd.url, handlers) : rawConn(cmd.url, handlers);
        };
        const delay = cmd.spreadMs ? Math.random() * cmd.spreadMs : 0;
        if (delay > 0) setTimeout(() => attempt(0), delay);
        else attempt(0);
      });

    if (cmd.concurrency <= 0) {
      await Promise.all(fresh.map(start));
    } else {
      let next = 0;
      const lane = async () => {
        while (next < fresh.length) await start(fresh[next++]);
      };
      await Promise.all(Array.from({ length: Math.min(cmd.concurrency, fresh.length) }, lane));
    }
    return {
      type: 'opened',
      requested: fresh.length,
      connected,
      acked,
      refused,
      failed,
      errors,
      lastAckAt,
      retries,
      atHead: this.atHeadCount,
      allAtHeadAt: this.allAtHeadAt,
    };
  }

  /** Subscribes every connected, not yet subscribed socket at the same moment. */
  async subscribeAll(cmd: Extract<WorkerCommand, { op: 'subscribe' }>): Promise<OpenResult> {
    this.reset(cmd.marker);
    this.headVersion = cmd.headVersion;
    this.atHeadCount = 0;
    this.allAtHeadAt = Number.NaN;
    const waiting = this.clients.filter((c) => c.open && c.conn && c.held < 0);
    const errors: string[] = [];
    let acked = 0;
    let refused = 0;
    let failed = 0;
    let lastAckAt = Number.NaN;
    await Promise.all(
      waiting.map(
        (client) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              failed += 1;
              if (errors.length < 5) errors.push('no subscribe ack within 60 s');
              done();
            }, 60_000);
            client.conn!.subscribe(client.spec, (ack) => {
              clearTimeout(timer);
              if (ack.ok) {
                acked += 1;
                if (client.held < 0 && client.spec.since !== undefined) {
                  client.held = client.spec.since;
                }
                this.checkHead(client);
              } else {
                refused += 1;
                if (errors.length < 5) errors.push(`refused: ${ack.error?.code}`);
              }
              lastAckAt = wallClock();
              done();
            });
          }),
      ),
    );
    return {
      type: 'opened',
      requested: waiting.length,
      connected: waiting.length,
      acked,
      refused,
      failed,
      retries: 0,
      errors,
      lastAckAt,
      atHead: this.atHeadCount,
      allAtHeadAt: this.allAtHeadAt,
    };
  }

  private onMessage(client: Client, name: string, payload: unknown): void {
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
        const latency = now - stampOf(event.reportId);
        if (latency > this.latencyMax) this.latencyMax = latency;
        // Reservoir sampling: a uniform sample of every latency of the window.
        if (this.seen < RESERVOIR) this.samples[this.seen] = latency;
        else {
          const j = Math.floor(Math.random() * (this.seen + 1));
          if (j < RESERVOIR) this.samples[j] = latency;
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
