import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventData, EventType, StoryEvent, StoryState } from '@livefeed/domain';
import { evolve } from '@livefeed/domain/story.evolve';
import {
  type AckErrorCode,
  type ClientToServerEvents,
  type ReconnectMessage,
  refusal,
  type ServerToClientEvents,
  type SubscribeAck,
  type SubscribeRequest,
} from '@livefeed/protocol';
import { Server, type Socket } from 'socket.io';

type EmulatorServer = Server<ClientToServerEvents, ServerToClientEvents>;
type EmulatorSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type Transport = 'polling' | 'websocket';

/** What a live broadcast does to the next event: the faults a client must survive. */
export type Broadcast = 'send' | 'drop' | 'duplicate' | 'resend-all' | 'unknown-type';

/** A subscribe the emulator received, for assertions. */
export interface ReceivedSubscribe {
  readonly socketId: string;
  readonly storyId: string;
  readonly since: number | undefined;
}

/**
 * A small socket.io server speaking docs/protocol.md, "Live push" the way the gateway does, over real sockets, with
 * knobs for the faults a client must survive. Its logs outlive `stop()` and `listen()`, as the event log outlives a
 * gateway process.
 */
export class GatewayEmulator {
  readonly subscribes: ReceivedSubscribe[] = [];
  readonly unsubscribes: { socketId: string; storyId: string }[] = [];
  /** Send the ack before the catch-up (true) or after it (false). */
  ackFirst = true;
  /** Ignore `unsubscribe` (keep pushing), to show the client stops on its own. */
  ignoreUnsubscribe = false;
  /** How many of the next subscribes go unacknowledged (their catch-up is still sent). */
  unansweredSubscribes = 0;
  /**
   * Answer fresh subscribes the racy way: the latest event first, then a snapshot taken just before it (a
   * live event overtaking a snapshot read a moment earlier).
   */
  liveOvertakesSnapshot = false;
  /** Refuse every handshake, as an authenticating middleware does. */
  refuseHandshakes = false;
  /** How many of the next engine.io handshakes are refused (HTTP 403), as an instance shutting down does. */
  refusedHandshakes = 0;
  /** How many of the next subscribes are refused `unavailable`, as while the database is down. */
  unavailableSubscribes = 0;
  /** The transport of each connection, as it was when the connection was made. */
  readonly transports: Transport[] = [];
  /** Tokens and the private stories they grant. */
  readonly grants = new Map<string, string[]>();
  private readonly logs = new Map<string, StoryEvent[]>();
  private readonly privateStories = new Set<string>();
  private readonly broadcasts: Broadcast[] = [];
  private io: EmulatorServer | null = null;
  private http: HttpServer | null = null;

  private constructor(
    private port: number,
    private readonly serverTransports: readonly Transport[],
  ) {}

  /** Starts on `port` (0: any free port), serving the transports given (both by default). */
  static async start(
    port = 0,
    { transports = ['polling', 'websocket'] }: { transports?: readonly Transport[] } = {},
  ): Promise<GatewayEmulator> {
    const emulator = new GatewayEmulator(port, transports);
    await emulator.listen();
    return emulator;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Appends an event to a story's log and pushes it to its subscribers (unless stopped). */
  append<T extends EventType>(storyId: string, type: T, data: EventData<T>): StoryEvent {
    const log = this.logs.get(storyId) ?? [];
    this.logs.set(storyId, log);
    const version = log.length + 1;
    const minute = String(version % 60).padStart(2, '0');
    const event = {
      storyId,
      version,
      type,
      data,
      reportId: `rpt-${storyId}-${version}`,
      author: 'desk:test',
      occurredAt: `2026-11-24T08:${minute}:00.000Z`,
      recordedAt: `2026-11-24T08:${minute}:00.412Z`,
    } as StoryEvent;
    log.push(event);
    if (type === 'story.opened' && (data as EventData<'story.opened'>).visibility === 'private') {
      this.privateStories.add(storyId);
    }
    this.broadcast(event);
    return event;
  }

  /** Opens a story and posts `entries` entries to it. */
  seed(storyId: string, entries: number, visibility: 'public' | 'private' = 'public'): void {
    this.append(storyId, 'story.opened', { title: `Story ${storyId}`, summary: null, visibility });
    for (let i = 1; i <= entries; i++) this.post(storyId, `e${i}`);
  }

  post(storyId: string, entryId: string): StoryEvent {
    return this.append(storyId, 'entry.posted', {
      entryId,
      body: `<p>${entryId}</p>`,
      kind: 'update',
    });
  }

  /** The next live broadcasts, in order, do this instead of a plain send. */
  fault(...broadcasts: Broadcast[]): void {
    this.broadcasts.push(...broadcasts);
  }

  /** The state a fresh reader must end with. */
  stateOf(storyId: string): StoryState | null {
    return (this.logs.get(storyId) ?? []).reduce<StoryState | null>(evolve, null);
  }

  versionOf(storyId: string): number {
    return this.logs.get(storyId)?.length ?? 0;
  }

  /** Forgets the events after `version`, as a restore from an older backup would. */
  restoreTo(storyId: string, version: number): void {
    this.logs.get(storyId)?.splice(version);
  }

  /** The server closes every client's socket (as a gateway shutting down does). */
  disconnectAll(): void {
    this.io?.disconnectSockets(true);
  }

  /**
   * Closes every connection at the transport level without a word, as the connections of a killed
   * instance end behind a load balancer.
   */
  dropConnections(): void {
    for (const socket of this.io?.sockets.sockets.values() ?? []) socket.conn.close();
  }

  /**
   * Tells every client to reconnect elsewhere, as the gateway does before it shuts down; with `close`, then
   * closes the connections at the transport level, as the gateway does (clients would reconnect by themselves,
   * after socket.io's reconnection delay).
   */
  askToReconnect({ delayMs = 0, close = false }: { delayMs?: number; close?: boolean } = {}): void {
    const io = this.io;
    if (!io) return;
    const hint: ReconnectMessage = { reason: 'shutting down', delayMs };
    io.emit('reconnect', hint);
    if (close) for (const socket of io.sockets.sockets.values()) socket.conn.close();
  }

  /**
   * Withdraws a story from every connection following it, as the gateway does when a token expires; with
   * `keepSending`, its events still go out, to show that the client stops on its own.
   */
  revoke(storyId: string, { keepSending = false }: { keepSending?: boolean } = {}): void {
    const io = this.io;
    if (!io) return;
    io.in(room(storyId)).emit('revoked', { storyId, reason: 'token-expired' });
    if (!keepSending) io.in(room(storyId)).socketsLeave(room(storyId));
  }

  /** Closes the server, as a crashed or stopped process. */
  async stop(): Promise<void> {
    const io = this.io;
    this.io = null;
    this.http = null;
    if (io) await new Promise<void>((resolve) => io.close(() => resolve()));
  }

  /** Starts a new server on the port of the last one, with the same logs (after `stop()`). */
  async listen(): Promise<void> {
    const http = createServer();
    const io: EmulatorServer = new Server(http, {
      serveClient: false,
      transports: [...this.serverTransports],
      allowRequest: (_req, callback) => {
        if (this.refusedHandshakes <= 0) return callback(null, true);
        this.refusedHandshakes -= 1;
        callback('shutting down', false);
      },
    });
    io.use((_socket, next) => next(this.refuseHandshakes ? new Error('unauthorized') : undefined));
    io.on('connection', (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (http.address() as AddressInfo).port;
    this.http = http;
    this.io = io;
  }

  private accept(socket: EmulatorSocket): void {
    const token: unknown = socket.handshake.auth?.token;
    this.transports.push(socket.conn.transport.name as Transport);
    socket.on('subscribe', (request: SubscribeRequest, ack: (ack: SubscribeAck) => void) => {
      this.subscribes.push({
        socketId: socket.id,
        storyId: request?.storyId,
        since: request?.since,
      });
      const { storyId, since } = request ?? {};
      const refuse = (code: AckErrorCode, message: string) => ack(refusal(code, message));
      if (since !== undefined && !(Number.isInteger(since) && since >= 0))
        return refuse('invalid', 'bad since');
      if (this.unavailableSubscribes > 0) {
        this.unavailableSubscribes -= 1;
        return refuse('unavailable', 'could not subscribe now, retry: database down');
      }
      const log = this.logs.get(storyId);
      if (!log) return refuse('not-found', `story ${storyId} does not exist`);
      const granted = typeof token === 'string' && (this.grants.get(token) ?? []).includes(storyId);
      if (this.privateStories.has(storyId) && !granted)
        return refuse('forbidden', 'token does not grant story');
      const version = log.length;
      void socket.join(room(storyId));
      const catchUp = () => {
        if (since === undefined && this.liveOvertakesSnapshot && version > 1) {
          socket.emit('event', log[version - 1]);
          const story = log.slice(0, version - 1).reduce<StoryState | null>(evolve, null)!;
          socket.emit('snapshot', { storyId, version: version - 1, story });
        } else if (since === undefined || since > version) {
          socket.emit('snapshot', { storyId, version, story: this.stateOf(storyId)! });
        } else {
          for (const event of log.slice(since)) socket.emit('event', event);
        }
      };
      const answer =
        this.unansweredSubscribes > 0 ? (this.unansweredSubscribes--, () => undefined) : ack;
      if (this.ackFirst) answer({ ok: true, storyId, version });
      catchUp();
      if (!this.ackFirst) answer({ ok: true, storyId, version });
      this.announceAudience(storyId);
    });
    socket.on('unsubscribe', (request, ack) => {
      this.unsubscribes.push({ socketId: socket.id, storyId: request?.storyId });
      if (!this.ignoreUnsubscribe) void socket.leave(room(request.storyId));
      ack?.({ ok: true, storyId: request.storyId });
      this.announceAudience(request.storyId);
    });
    socket.on('disconnecting', () => {
      const stories = [...socket.rooms]
        .filter((r) => r.startsWith('story:'))
        .map((r) => r.slice('story:'.length));
      socket.once('disconnect', () => stories.forEach((storyId) => this.announceAudience(storyId)));
    });
  }

  private announceAudience(storyId: string): void {
    const count = this.io?.sockets.adapter.rooms.get(room(storyId))?.size ?? 0;
    this.io?.to(room(storyId)).emit('audience', { storyId, count });
  }

  private broadcast(event: StoryEvent): void {
    const io = this.io;
    if (!io) return;
    const to = () => io.to(room(event.storyId));
    switch (this.broadcasts.shift() ?? 'send') {
      case 'send':
        return void to().emit('event', event);
      case 'drop':
        return;
      case 'duplicate':
        to().emit('event', event);
        return void to().emit('event', event);
      case 'resend-all':
        for (const e of this.logs.get(event.storyId) ?? []) to().emit('event', e);
        return;
      case 'unknown-type':
        // Off the protocol on purpose: an event type this client's domain does not know.
        return void to().emit('event', {
          ...event,
          type: 'story.archived',
        } as unknown as StoryEvent);
    }
  }
}

function room(storyId: string): string {
  return `story:${storyId}`;
}
