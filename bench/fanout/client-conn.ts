/**
 * The socket.io clients of client-worker.ts, reduced to what the bench needs: connect, subscribe
 * once with an ack, hand on every message, close.
 * - `lean` and `raw`: the socket.io v5 / engine.io v4 protocol spoken directly (websocket only, no
 *   reconnection; live events are scanned for `version`/`reportId` instead of parsed whole), over
 *   client-ws.ts' WebSocket on a bare TCP socket (`lean`) or over `ws` (`raw`).
 * - `sio`: socket.io-client with `transports: ['websocket']`, to cross-check both.
 */
import WebSocket from 'ws';
import { io, type Socket as IoSocket } from 'socket.io-client';
import { openTextSocket } from './client-ws';
import type { ClientKind, SocketSpec } from './protocol';

export interface Ack {
  ok: boolean;
  version?: number;
  error?: { code: string; message: string };
}
export interface Envelope {
  storyId: string;
  version: number;
  reportId: string;
}
export interface Snapshot {
  storyId: string;
  version: number;
}

/** The few things the bench needs from a connection. */
export interface Conn {
  subscribe(spec: SocketSpec, onAck: (ack: Ack) => void): void;
  close(): void;
}
export interface ConnHandlers {
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

/** The WebSocket under a `SocketIoOverWebSocket`: `ws`'s, or client-ws.ts' lean one. */
interface TextTransport {
  send(text: string): void;
  /** Closes politely (a close frame) where the transport can. */
  close(): void;
  terminate(): void;
}

/**
 * socket.io over a bare WebSocket: `0{..}` open, `40` connect, `2`/`3` ping/pong, `42[..]` events,
 * `43<id>[..]` acks. `open` makes its transport, which hands it each text message (`onText`) and
 * its end (`end`).
 */
class SocketIoOverWebSocket implements Conn {
  private acks: ((ack: Ack) => void) | null = null;
  private connected = false;
  private closed = false;
  private readonly transport: TextTransport;

  constructor(
    private readonly h: ConnHandlers,
    open: (session: SocketIoOverWebSocket) => TextTransport,
  ) {
    this.transport = open(this);
  }

  end(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.connected) this.h.onFail(reason ?? 'closed before connecting');
    else this.h.onClose();
  }

  onText(m: string): void {
    const { h } = this;
    const ws = this.transport;
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
          const cb = this.acks;
          this.acks = null;
          cb?.(ack);
        } else if (t === 0x30) {
          this.connected = true;
          h.onOpen();
        } else if (t === 0x34) {
          this.end(`connect_error ${m.slice(2)}`);
          ws.close();
        } else if (t === 0x31) {
          ws.close();
        }
        return;
      }
      default:
        return;
    }
  }

  subscribe(spec: SocketSpec, onAck: (ack: Ack) => void): void {
    this.acks = onAck;
    this.transport.send(`421${JSON.stringify(['subscribe', spec])}`);
  }

  close(): void {
    this.closed = true;
    this.transport.terminate();
  }
}

const wsUrlOf = (url: string) =>
  `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;

/** `raw`: socket.io spoken over `ws`. */
function rawConn(url: string, h: ConnHandlers): Conn {
  return new SocketIoOverWebSocket(h, (session) => {
    const ws = new WebSocket(wsUrlOf(url), { perMessageDeflate: false });
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (!isBinary) session.onText(raw.toString());
    });
    ws.on('error', (error: Error) => session.end(error.message));
    ws.on('close', () => session.end());
    return {
      send: (text) => ws.send(text),
      close: () => ws.close(),
      terminate: () => ws.terminate(),
    };
  });
}

/** `lean`: socket.io spoken over client-ws.ts' WebSocket on a bare TCP socket. */
function leanConn(url: string, h: ConnHandlers): Conn {
  return new SocketIoOverWebSocket(h, (session) => {
    const socket = openTextSocket(wsUrlOf(url), {
      onOpen: () => undefined,
      onText: (text) => session.onText(text),
      onEnd: (reason) => session.end(reason),
    });
    return { send: socket.sendText, close: socket.terminate, terminate: socket.terminate };
  });
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

export function connect(kind: ClientKind, url: string, h: ConnHandlers): Conn {
  if (kind === 'sio') return sioConn(url, h);
  return kind === 'lean' ? leanConn(url, h) : rawConn(url, h);
}
