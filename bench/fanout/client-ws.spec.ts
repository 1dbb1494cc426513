import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { clientFrame, FrameReader, handshakeProblem, openTextSocket } from './client-ws';

/** A server frame (unmasked), as a WebSocket server writes it. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, n])
      : n < 65536
        ? Buffer.from([(fin ? 0x80 : 0) | opcode, 126, n >> 8, n & 0xff])
        : Buffer.concat([
            Buffer.from([(fin ? 0x80 : 0) | opcode, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(n));
              return b;
            })(),
          ]);
  return Buffer.concat([head, payload]);
}

function read(chunks: Buffer[]) {
  const frames: Array<[number, string]> = [];
  const reader = new FrameReader((op, payload) => frames.push([op, payload.toString()]));
  const errors = chunks.map((chunk) => reader.push(chunk)).filter((e) => e !== null);
  return { frames, errors };
}

const TEXTS = ['42["event",{"version":1}]', 'Київ — 🚒 '.repeat(20), 'x'.repeat(70_000)];
const STREAM = Buffer.concat(TEXTS.map((t) => serverFrame(0x1, Buffer.from(t))));

describe('FrameReader', () => {
  it('reads every frame whole, however the stream is cut (7-bit, 16-bit and 64-bit lengths)', () => {
    for (const cut of [1, 2, 3, 9, 10, 11, 1000, STREAM.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < STREAM.length; at += cut) chunks.push(STREAM.subarray(at, at + cut));
      const { frames, errors } = read(chunks);
      expect(errors).toEqual([]);
      expect(frames).toEqual(TEXTS.map((t) => [0x1, t]));
    }
  });

  it('joins a fragmented message, with a control frame between its fragments', () => {
    const { frames, errors } = read([
      serverFrame(0x1, Buffer.from('hel'), false),
      serverFrame(0x9, Buffer.from('ping')),
      serverFrame(0x0, Buffer.from('lo'), true),
    ]);
    expect(errors).toEqual([]);
    expect(frames).toEqual([
      [0x9, 'ping'],
      [0x1, 'hello'],
    ]);
  });

  it.each([
    ['a masked server frame', Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x41]), 'masked'],
    ['reserved bits', Buffer.from([0xc1, 0x01, 0x41]), 'reserved bits'],
    ['an unknown opcode', Buffer.from([0x83, 0x00]), 'unknown opcode 3'],
    ['an unknown control opcode', Buffer.from([0x8b, 0x00]), 'unknown control opcode 11'],
    ['a fragmented ping', Buffer.from([0x09, 0x00]), 'fragmented or long control frame'],
    ['a continuation out of nowhere', Buffer.from([0x80, 0x00]), 'continuation without a message'],
    [
      'a frame over 16 MiB',
      Buffer.from([0x81, 127, 0, 0, 0, 0, 0x01, 0, 0, 1]),
      'a frame of 16777217 bytes',
    ],
  ])('stops at %s, and stays stopped', (_name, bytes, error) => {
    const { frames, errors } = read([bytes, serverFrame(0x1, Buffer.from('after'))]);
    expect(frames).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain(error);
    expect(errors[1]).toBe(errors[0]);
  });
});

describe('clientFrame', () => {
  it.each([0, 5, 125, 126, 65535, 65536])('masks a %i-byte payload that unmasks to itself', (n) => {
    const payload = Buffer.from('é'.repeat(n)).subarray(0, n);
    const frame = clientFrame(0x1, payload);
    expect(frame[0]).toBe(0x81);
    expect(frame[1] & 0x80).toBe(0x80);
    const code = frame[1] & 0x7f;
    const at = code < 126 ? 2 : code === 126 ? 4 : 10;
    const length = code < 126 ? code : code === 126 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2));
    expect(length).toBe(n);
    const mask = frame.subarray(at, at + 4);
    const unmasked = Buffer.from(frame.subarray(at + 4).map((b, i) => b ^ mask[i & 3]));
    expect(unmasked.equals(payload)).toBe(true);
  });
});

describe('handshakeProblem', () => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const accept = createHash('sha1')
    .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  const ok = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}`;

  it('accepts the RFC example', () => {
    expect(accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(handshakeProblem(ok, accept)).toBeNull();
  });

  it.each([
    ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0', 'handshake answered "HTTP/1.1 400 Bad Request"'],
    [ok.replace('Upgrade: websocket', 'Upgrade: h2c'), 'no "Upgrade: websocket"'],
    [ok.replace(accept, 'AAAA'), 'a wrong Sec-WebSocket-Accept'],
  ])('refuses %j', (response, problem) => {
    expect(handshakeProblem(response, accept)).toBe(problem);
  });
});

describe('openTextSocket against ws', () => {
  let server: WebSocketServer;
  let url: string;
  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket.io/?EIO=4`;
  });
  afterEach(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('exchanges text both ways, answers ping, and ends on the server close', async () => {
    const got: string[] = [];
    server.on('connection', (ws) => {
      ws.on('message', (data) => {
        ws.ping('are you there');
        for (const text of TEXTS) ws.send(`${text}|${data.toString()}`);
        ws.close(1000);
      });
    });
    const pong = new Promise((resolve) =>
      server.once('connection', (ws) => ws.once('pong', (data) => resolve(data.toString()))),
    );
    const ended = new Promise<string | undefined>((resolve) => {
      const socket = openTextSocket(url, {
        onOpen: () => socket.sendText('привіт'),
        onText: (text) => got.push(text),
        onEnd: resolve,
      });
    });
    await expect(ended).resolves.toBeUndefined();
    await expect(pong).resolves.toBe('are you there');
    expect(got).toEqual(TEXTS.map((t) => `${t}|привіт`));
  });

  it('fails with the reason when the server refuses the upgrade', async () => {
    server.options.verifyClient = () => false;
    const reason = await new Promise<string | undefined>((resolve) =>
      openTextSocket(url, { onOpen: () => undefined, onText: () => undefined, onEnd: resolve }),
    );
    expect(reason).toMatch(/^handshake answered "HTTP\/1.1 401/);
  });
});
