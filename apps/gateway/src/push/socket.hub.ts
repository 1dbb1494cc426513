import { Injectable } from '@nestjs/common';
import type {
  ClientToServerEvents,
  ReconnectMessage,
  ServerEventName,
  ServerPayload,
  ServerToClientEvents,
} from '@livefeed/protocol';
import type { Server as IoServer, Socket as IoSocket } from 'socket.io';
import { WebSocket } from 'ws';

/** The gateway's socket.io server, typed by the protocol: it can only emit the protocol's messages. */
export type PushServer = IoServer<ClientToServerEvents, ServerToClientEvents>;
export type PushSocket = IoSocket<ClientToServerEvents, ServerToClientEvents>;

type EncodedPacket = ReturnType<PushServer['encoder']['encode']>[number];
/** socket.io-parser's `PacketType.EVENT` (socket.io protocol v5). */
const EVENT = 2 as Parameters<PushServer['encoder']['encode']>[0]['type'];
/** Encoded catch-up packets kept; a storm's catch-ups share the few hundred latest events. */
const ENCODED_MAX = 4096;
/** Bytes of joined catch-ups kept for the next reader that owes the same ones. */
const JOINED_MAX_BYTES = 32 * 1024 * 1024;

export const liveRoom = (storyId: string) => `live:${storyId}`;
export const audienceRoom = (storyId: string) => `all:${storyId}`;

interface Packet {
  readonly data?: unknown;
}
/** engine.io's packet options: a WebSocket frame made beforehand is written as is (`wsPreEncodedFrame`). */
interface PacketOptions {
  compress?: boolean;
  wsPreEncodedFrame?: readonly Buffer[];
}
/** ws's frame builder, which socket.io's own adapter uses for broadcasts (untyped in @types/ws). */
const { Sender } = WebSocket as unknown as {
  Sender: {
    frame(
      data: Buffer,
      options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean },
    ): Buffer[];
  };
};

/**
 * The WebSocket text frame of an engine.io "message" packet (type `4`), made once for every socket it
 * goes to, as socket.io's adapter does for a room: a catch-up then costs each socket a write, not an
 * encoding, a string-to-bytes copy and a frame. Polling ignores it and encodes as usual.
 */
function preEncoded(packets: readonly EncodedPacket[]): PacketOptions {
  if (packets.length !== 1 || typeof packets[0] !== 'string') return {};
  const data = Buffer.from(`4${packets[0]}`);
  return {
    wsPreEncodedFrame: Sender.frame(data, {
      readOnly: false,
      mask: false,
      rsv1: false,
      opcode: 1,
      fin: true,
    }),
  };
}
/** The TCP socket under a WebSocket. */
interface TcpLike {
  cork(): void;
  uncork(): void;
  write(data: Buffer): boolean;
}
interface WsLike {
  readonly readyState?: number;
  readonly bufferedAmount?: number;
  readonly _socket?: TcpLike;
  terminate?(): void;
}
interface EngineSocketLike {
  readonly readyState?: string;
  readonly writeBuffer?: readonly Packet[];
  readonly upgrading?: boolean;
  readonly transport?: { readonly name?: string; readonly socket?: WsLike };
  close(discard?: boolean): void;
}

/**
 * The socket.io server as a repository: everything the gateway sends, and every room it manages,
 * goes through here. Sockets are addressed by id so that the logic never holds a socket object.
 */
@Injectable()
export class SocketHub {
  private server: PushServer | null = null;
  private readonly encoded = new Map<
    object,
    { name: string; nsp: string; packets: readonly EncodedPacket[]; options: PacketOptions }
  >();
  /** Joined catch-ups by their first event (see `joinedFrames`). */
  private readonly joined = new Map<
    object,
    { last: object; count: number; name: string; nsp: string; joined: Buffer }
  >();
  private joinedBytes = 0;

  attach(server: PushServer): void {
    this.server = server;
  }

  get attached(): boolean {
    return this.server !== null;
  }

  socket(id: string): PushSocket | undefined {
    return this.server?.sockets.sockets.get(id);
  }

  get connected(): number {
    return this.server?.sockets.sockets.size ?? 0;
  }

  socketIds(): IterableIterator<string> {
    return (this.server?.sockets.sockets ?? new Map<string, PushSocket>()).keys();
  }

  /** Sends one message to one socket. */
  send<E extends ServerEventName>(id: string, name: E, payload: ServerPayload<E>): void;
  /**
   * The story streams' port (`StreamPorts.sendSnapshot`, stream/story.stream.ts) hands snapshots over
   * as `unknown`; this overload keeps it compiling until that port is typed by the protocol too.
   */
  send(id: string, name: 'snapshot', payload: unknown): void;
  send(id: string, name: ServerEventName, payload: unknown): void {
    this.socket(id)?.emit(name, ...([payload] as Parameters<ServerToClientEvents[typeof name]>));
  }

  /**
   * Sends messages whose payloads are immutable and go to many sockets one by one (the events of
   * catch-ups), in order. Each socket.io packet is encoded once, with the server's own encoder, and
   * written as is, so a reconnect storm costs one encoding per event rather than one per event and
   * reader. To a reader on a WebSocket several go as one buffer: their frames joined, one write for
   * the reader instead of one per event; its client still sees one message each. Polling, or a
   * connection still upgrading, takes them packet by packet, queued in engine.io like every other
   * message, so order is kept.
   */
  sendShared<E extends ServerEventName>(
    id: string,
    name: E,
    payloads: readonly (ServerPayload<E> & object)[],
  ): void {
    const socket = this.socket(id);
    if (!socket || !this.server) return;
    const conn = socket.conn as unknown as EngineSocketLike;
    const websocket =
      payloads.length > 1 && conn.transport?.name === 'websocket' && !conn.upgrading;
    const joined = websocket ? this.joinedFrames(socket, name, payloads) : undefined;
    if (!joined) {
      for (const payload of payloads) {
        const entry = this.encodedEntry(socket, name, payload);
        // engine.io sets `compress` on the options it is given; shared, as the adapter's are.
        for (const packet of entry.packets) socket.conn.write(packet as string, entry.options);
      }
      return;
    }
    // Nothing queued in engine.io ahead of it and the WebSocket open (no frame after a close frame):
    // straight to the TCP socket, behind what the WebSocket has written (an acknowledgement just
    // sent, say), so a `together` run makes one write of both. Else it waits its turn in engine.io's
    // queue, as one packet (the data is read only by `bufferedBytes`: a WebSocket sends the frames).
    const ws = conn.transport?.socket;
    const direct =
      conn.readyState === 'open' && ws?.readyState === WebSocket.OPEN && !conn.writeBuffer?.length;
    if (direct && ws._socket) ws._socket.write(joined);
    else socket.conn.write(joined, { wsPreEncodedFrame: [joined] } as PacketOptions);
  }

  /**
   * The WebSocket frames of `payloads`, joined; undefined if one has no frame of its own (binary
   * attachments). A catch-up is a run of consecutive events of one story, so its first event, last
   * event and length name it: readers that resume from the same version (a storm's readers, cut off
   * at the same moment) share one buffer, made once.
   */
  private joinedFrames(
    socket: PushSocket,
    name: string,
    payloads: readonly object[],
  ): Buffer | undefined {
    const first = payloads[0];
    const last = payloads[payloads.length - 1];
    const nsp = socket.nsp.name;
    const cached = this.joined.get(first);
    if (
      cached &&
      cached.last === last &&
      cached.count === payloads.length &&
      cached.name === name &&
      cached.nsp === nsp
    )
      return cached.joined;
    const frames: Buffer[] = [];
    for (const payload of payloads) {
      const frame = this.encodedEntry(socket, name, payload).options.wsPreEncodedFrame;
      if (!frame) return undefined;
      frames.push(...frame);
    }
    const joined = Buffer.concat(frames);
    if (cached) this.forgetJoined(first, cached);
    this.joined.set(first, { last, count: payloads.length, name, nsp, joined });
    this.joinedBytes += joined.length;
    // Bounded by bytes, the oldest first.
    for (const [key, entry] of this.joined) {
      if (this.joinedBytes <= JOINED_MAX_BYTES) break;
      this.forgetJoined(key, entry);
    }
    return joined;
  }

  private forgetJoined(key: object, entry: { joined: Buffer }): void {
    this.joined.delete(key);
    this.joinedBytes -= entry.joined.length;
  }

  /**
   * Runs `writes` with the reader's TCP socket corked (a WebSocket reader's): what they send goes out
   * in one write, instead of one per packet and a wake-up of the reader for each.
   */
  together(id: string, writes: () => void): void {
    const conn = this.socket(id)?.conn as unknown as EngineSocketLike | undefined;
    const tcp = conn?.transport?.name === 'websocket' ? conn.transport.socket?._socket : undefined;
    tcp?.cork();
    try {
      writes();
    } finally {
      tcp?.uncork();
    }
  }

  private encodedEntry(socket: PushSocket, name: string, payload: object) {
    const nsp = socket.nsp.name;
    let entry = this.encoded.get(payload);
    if (!entry || entry.name !== name || entry.nsp !== nsp) {
      const packets = this.server!.encoder.encode({ type: EVENT, nsp, data: [name, payload] });
      entry = { name, nsp, packets, options: preEncoded(packets) };
      this.encoded.set(payload, entry);
      // Bounded: the oldest go first (catch-ups send recent events, so the cache keeps up with them).
      if (this.encoded.size > ENCODED_MAX)
        this.encoded.delete(this.encoded.keys().next().value as object);
    }
    return entry;
  }

  /** Encodes once for the whole room. */
  toRoom<E extends ServerEventName>(room: string, name: E, payload: ServerPayload<E>): number {
    if (!this.server) return 0;
    const members = this.server.sockets.adapter.rooms.get(room)?.size ?? 0;
    if (members > 0)
      this.server.to(room).emit(name, ...([payload] as Parameters<ServerToClientEvents[E]>));
    return members;
  }

  roomSize(room: string): number {
    return this.server?.sockets.adapter.rooms.get(room)?.size ?? 0;
  }

  join(id: string, room: string): void {
    void this.socket(id)?.join(room);
  }

  leave(id: string, room: string): void {
    void this.socket(id)?.leave(room);
  }

  /**
   * Bytes waiting to be written to the client: engine.io's write buffer (packets held while the
   * transport is busy, or until the next long-poll) plus what the WebSocket has not flushed yet.
   * Stops counting once past `cap`.
   */
  bufferedBytes(id: string, cap = Number.POSITIVE_INFINITY): number {
    const conn = this.socket(id)?.conn as unknown as EngineSocketLike | undefined;
    if (!conn) return 0;
    let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
    for (const packet of conn.writeBuffer ?? []) {
      const data = packet.data;
      bytes +=
        typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 16;
      if (bytes > cap) break;
    }
    return bytes;
  }

  /** Drops a connection at once, discarding what it has not read (a slow consumer). */
  cut(id: string): void {
    const socket = this.socket(id);
    if (!socket) return;
    const conn = socket.conn as unknown as EngineSocketLike;
    conn.transport?.socket?.terminate?.();
    conn.close(true);
  }

  /**
   * Asks every client to reconnect (to another instance), then closes the connections once the hint
   * is written. Closing the transport, not the socket.io namespace, is what makes clients reconnect
   * by themselves ("transport close"; a server-side namespace disconnect would stop them).
   */
  disconnectAll(hint?: ReconnectMessage): void {
    if (!this.server) return;
    if (hint) this.server.emit('reconnect', hint);
    for (const socket of this.server.sockets.sockets.values()) socket.conn.close();
  }
}
