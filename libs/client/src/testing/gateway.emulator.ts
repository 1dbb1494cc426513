import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventData, EventType, StoryEvent, StoryState } from '@livefeed/domain';
import { evolve } from '@livefeed/domain/story.evolve';
import { Server, type Socket } from 'socket.io';
import type { SubscribeAck, SubscribeRequest } from '../protocol.types';

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
  /** Tokens and the private stories they grant. */
  readonly grants = new Map<string, string[]>();
  private readonly logs = new Map<string, StoryEvent[]>();
  private readonly privateStories = new Set<string>();
  private readonly broadcasts: Broadcast[] = [];
  private io: Server | null = null;
  private http: HttpServer | null = null;

  private constructor(private port: number) {}

  /** Starts on `port` (0: any free port). */
  static async start(port = 0): Promise<GatewayEmulator> {
    const emulator = new GatewayEmulator(port);
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
    const io = new Server(http, { serveClient: false });
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

  private accept(socket: Socket): void {
    const token: unknown = socket.handshake.auth?.token;
    socket.on('subscribe', (request: SubscribeRequest, ack: (ack: SubscribeAck) => void) => {
      this.subscribes.push({
        socketId: socket.id,
        storyId: request?.storyId,
        since: request?.since,
      });
      const { storyId, since } = request ?? {};
      const refuse = (code: string, message: string) =>
        ack({ ok: false, error: { code, message } });
      if (since !== undefined && !(Number.isInteger(since) && since >= 0))
        return refuse('invalid', 'bad since');
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
          const story = log.slice(0, version - 1).reduce<StoryState | null>(evolve, null);
          socket.emit('snapshot', { storyId, version: version - 1, story });
        } else if (since === undefined || since > version) {
          socket.emit('snapshot', { storyId, version, story: this.stateOf(storyId) });
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
    socket.on('unsubscribe', (request: { storyId: string }, ack?: (ack: unknown) => void) => {
      this.unsubscribes.push({ socketId: socket.id, storyId: request?.storyId });
      if (!this.ignoreUnsubscribe) void socket.leave(room(request.storyId));
      ack?.({ ok: true });
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
        return void to().emit('event', { ...event, type: 'story.archived' });
    }
  }
}

function room(storyId: string): string {
  return `story:${storyId}`;
}
