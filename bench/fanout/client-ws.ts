/**
 * The least a bench client needs of a WebSocket (RFC 6455), spoken over a bare TCP socket: the
 * opening handshake (its `Sec-WebSocket-Accept` checked), text frames in, masked text frames out,
 * ping answered with pong, close. It is what `--client=lean` runs on.
 *
 * Why not `ws`: on a 2-core machine the load generators share the CPU with the servers they measure.
 * `ws` makes each client an HTTP request (ClientRequest, an HTTP parser, the `upgrade` event) and
 * each incoming chunk a pass through a Writable stream per frame; this reads every frame of a chunk
 * in one loop. Binary frames are dropped (engine.io sends none here); frames the server must not
 * send (masked, reserved bits, an unknown opcode) end the connection, as `ws` does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface TextSocketHandlers {
  /** The handshake succeeded: text may be sent. */
  onOpen(): void;
  onText(text: string): void;
  /** The connection ended: `reason` when it failed (before or after the handshake), else undefined. */
  onEnd(reason?: string): void;
}

export interface TextSocket {
  sendText(text: string): void;
  /** Ends the connection at once (ws' `terminate`). */
  terminate(): void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');
/** Larger than any frame the bench's server sends; a bigger one is a broken peer. */
const MAX_FRAME = 16 * 1024 * 1024;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** A client frame: FIN, `opcode`, the payload masked with a fresh key (RFC 6455 §5.3). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + n);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const maskAt = 2 + lengthBytes;
  randomBytes(4).copy(frame, maskAt);
  for (let i = 0; i < n; i += 1) frame[maskAt + 4 + i] = payload[i] ^ frame[maskAt + (i & 3)];
  return frame;
}

/**
 * Reads server frames from the chunks it is given, whatever their boundaries. Calls `onFrame` for
 * each whole message (continuations joined); returns an error text once the stream is broken.
 */
export class FrameReader {
  /** Bytes of a frame not yet whole, kept as they came (joined once there are `need` of them). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 0;
  private fragments: Buffer[] | null = null;
  private fragmentOpcode = 0;
  private broken: string | null = null;

  constructor(private readonly onFrame: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): string | null {
    if (this.broken) return this.broken;
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.need) return null;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let at = 0;
    let need = 0;
    while (buf.length - at >= 2) {
      const b0 = buf[at];
      const b1 = buf[at + 1];
      if (b0 & 0x70) return this.fail('reserved bits set');
      if (b1 & 0x80) return this.fail('a server frame is masked');
      let length = b1 & 0x7f;
      let headLength = 2;
      if (length === 126) {
        headLength = 4;
        if (buf.length - at < headLength) break;
        length = buf.readUInt16BE(at + 2);
      } else if (length === 127) {
        headLength = 10;
        if (buf.length - at < headLength) break;
        const long = buf.readBigUInt64BE(at + 2);
        if (long > BigInt(MAX_FRAME)) return this.fail(`a frame of ${long} bytes`);
        length = Number(long);
      }
      if (buf.length - at < headLength + length) {
        need = headLength + length;
        break;
      }
      const payload = buf.subarray(at + headLength, at + headLength + length);
      at += headLength + length;
      const error = this.frame(b0 & 0x80 ? true : false, b0 & 0x0f, payload);
      if (error) return this.fail(error);
    }
    if (at < buf.length) {
      // A copy: the rest of a frame must not keep the whole chunk alive.
      const rest = Buffer.from(buf.subarray(at));
      this.pending = [rest];
      this.pendingBytes = rest.length;
      this.need = Math.max(need, rest.length + 1);
    }
    return null;
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): string | null {
    if (opcode >= OP_CLOSE) {
      if (opcode > OP_PONG) return `unknown control opcode ${opcode}`;
      if (!fin || payload.length > 125) return 'a fragmented or long control frame';
      this.onFrame(opcode, payload);
      return null;
    }
    if (opcode === OP_CONTINUATION) {
      if (!this.fragments) return 'a continuation without a message';
      this.fragments.push(payload);
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = null;
        this.onFrame(this.fragmentOpcode, whole);
      }
      return null;
    }
    if (opcode !== OP_TEXT && opcode !== OP_BINARY) return `unknown opcode ${opcode}`;
    if (this.fragments) return 'a new message inside a fragmented one';
    if (fin) this.onFrame(opcode, payload);
    else {
      this.fragments = [Buffer.from(payload)];
      this.fragmentOpcode = opcode;
    }
    return null;
  }

  private fail(reason: string): string {
    this.broken = reason;
    this.pending = [];
    this.pendingBytes = 0;
    return reason;
  }
}

/** Opens a WebSocket to `url` (`ws://host:port/path?query`). */
export function openTextSocket(url: string, h: TextSocketHandlers): TextSocket {
  const target = new URL(url);
  const key = randomBytes(16).toString('base64');
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  const tcp: Socket = connect({
    host: target.hostname,
    port: Number(target.port || 80),
    noDelay: true,
  });
  let head: Buffer | null = Buffer.alloc(0);
  let ended = false;
  const end = (reason?: string) => {
    if (ended) return;
    ended = true;
    tcp.destroy();
    h.onEnd(reason);
  };
  const send = (opcode: number, payload: Buffer) => {
    if (!ended && head === null) tcp.write(clientFrame(opcode, payload));
  };
  const reader = new FrameReader((opcode, payload) => {
    if (opcode === OP_TEXT) h.onText(payload.toString());
    else if (opcode === OP_PING) send(OP_PONG, payload);
    else if (opcode === OP_CLOSE) {
      send(OP_CLOSE, payload.subarray(0, 2));
      end();
    }
  });

  tcp.on('connect', () => {
    tcp.write(
      `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  tcp.on('data', (chunk: Buffer) => {
    if (ended) return;
    let frames = chunk;
    if (head !== null) {
      head = Buffer.concat([head, chunk]);
      const at = head.indexOf(HEAD_END);
      if (at < 0) {
        if (head.length > 16 * 1024) end('no end to the handshake response');
        return;
      }
      const problem = handshakeProblem(head.toString('latin1', 0, at), accept);
      if (problem) return end(problem);
      frames = head.subarray(at + HEAD_END.length);
      head = null;
      h.onOpen();
      if (ended || frames.length === 0) return;
    }
    const broken = reader.push(frames);
    if (broken) end(broken);
  });
  tcp.on('error', (error: Error) => end(error.message));
  tcp.on('close', () => end(head !== null ? 'closed during the handshake' : undefined));
  return {
    sendText: (text) => send(OP_TEXT, Buffer.from(text)),
    terminate: () => end(),
  };
}

/** What is wrong with a handshake response (status line and headers), or null. */
export function handshakeProblem(response: string, accept: string): string | null {
  const [status, ...lines] = response.split('\r\n');
  if (!/^HTTP\/1\.1 101 /.test(status)) return `handshake answered "${status}"`;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'no "Upgrade: websocket"';
  if (headers.get('sec-websocket-accept') !== accept) return 'a wrong Sec-WebSocket-Accept';
  return null;
}
