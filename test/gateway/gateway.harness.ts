import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { loadConfig, subjectsFor, type Subjects } from '@livefeed/common';
import { expectEventually, TEST_NATS_URL, uniqueSubjectRoot } from '@livefeed/common/testing';
import type { Report, StoryEvent, StoryState } from '@livefeed/domain';
import type {
  AudienceMessage,
  RevokedMessage,
  SnapshotMessage,
  SubscribeAck,
} from '@livefeed/protocol';
import { openTestStore, r, type TestStore } from '@livefeed/event-store/testing/store.fixture';
import { connectNats, EventPublisher, type NatsConnection } from '@livefeed/messaging';
import { jetstreamManager } from '@nats-io/jetstream';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/gateway.app';
import type { GatewayOptions } from '../../apps/gateway/src/config/gateway.options';

export { r };
export const SECRET = 'a-reader-secret-of-at-least-32-bytes!!';

export type Ack = SubscribeAck;
export type Received =
  | { kind: 'snapshot'; storyId: string; version: number; story: StoryState }
  | { kind: 'event'; storyId: string; version: number; event: StoryEvent }
  | { kind: 'audience'; storyId: string; count: number; at: number }
  | { kind: 'revoked'; storyId: string };

export type Pushed = Extract<Received, { kind: 'snapshot' | 'event' }>;

/**
 * A socket.io client that records what it receives, per story. Its socket is left untyped on
 * purpose: the tests also send what the protocol does not allow.
 */
export class Reader {
  readonly received: Received[] = [];

  constructor(readonly socket: Socket) {
    socket.on('snapshot', (m: SnapshotMessage) => this.received.push({ kind: 'snapshot', ...m }));
    socket.on('event', (e: StoryEvent) =>
      this.received.push({ kind: 'event', storyId: e.storyId, version: e.version, event: e }),
    );
    socket.on('audience', (m: AudienceMessage) =>
      this.received.push({ kind: 'audience', ...m, at: Date.now() }),
    );
    socket.on('revoked', (m: RevokedMessage) =>
      this.received.push({ kind: 'revoked', storyId: m.storyId }),
    );
  }

  subscribe(storyId: string, since?: number): Promise<Ack> {
    return this.socket
      .timeout(10_000)
      .emitWithAck(
        'subscribe',
        since === undefined ? { storyId } : { storyId, since },
      ) as Promise<Ack>;
  }

  /** Snapshot and event messages of one story, in arrival order. */
  of(storyId: string): Pushed[] {
    return this.received.filter(
      (m): m is Pushed => m.storyId === storyId && (m.kind === 'snapshot' || m.kind === 'event'),
    );
  }

  /** The version held after applying what arrived; fails on any gap or repeat. */
  holds(storyId: string, since?: number): number {
    let holds = since ?? -1;
    for (const m of this.of(storyId)) {
      if (m.kind === 'snapshot') holds = m.version;
      else if (m.kind === 'event') {
        if (m.version !== holds + 1)
          throw new Error(`story ${storyId}: got version ${m.version} while holding ${holds}`);
        holds = m.version;
      }
    }
    return holds;
  }

  /** Audience counts heard for a story, with when they arrived. */
  audience(storyId: string): { count: number; at: number }[] {
    return this.received.flatMap((m) =>
      m.kind === 'audience' && m.storyId === storyId ? [{ count: m.count, at: m.at }] : [],
    );
  }

  eventVersions(storyId: string): number[] {
    return this.of(storyId).flatMap((m) => (m.kind === 'event' ? [m.version] : []));
  }

  close(): void {
    this.socket.close();
  }
}

/** One test file's world: its own database, subject root and gateways. */
export class GatewayHarness {
  readonly gateways: RunningGateway[] = [];
  private readonly readers: Reader[] = [];
  private readonly publisher: EventPublisher;
  private readonly now = () => new Date().toISOString();

  private constructor(
    readonly store: TestStore,
    readonly subjects: Subjects,
    readonly nc: NatsConnection,
  ) {
    this.publisher = new EventPublisher(nc, subjects);
  }

  static async open(): Promise<GatewayHarness> {
    const store = await openTestStore();
    const subjects = subjectsFor(uniqueSubjectRoot());
    const nc = await connectNats({ url: TEST_NATS_URL, name: `gateway-test-${subjects.root}` });
    return new GatewayHarness(store, subjects, nc);
  }

  async startGateway(
    env: Record<string, string> = {},
    options: Partial<GatewayOptions> = {},
  ): Promise<RunningGateway> {
    const config = loadConfig({
      DATABASE_URL: this.store.url,
      NATS_URL: TEST_NATS_URL,
      LIVEFEED_SUBJECT_ROOT: this.subjects.root,
      GATEWAY_PORT: '0',
      LIVEFEED_READER_SECRET: SECRET,
      LIVEFEED_LOG_LEVEL: 'error',
      ...env,
    });
    const gateway = await startGateway(config, options);
    this.gateways.push(gateway);
    return gateway;
  }

  url(gateway: RunningGateway = this.gateways[0]): string {
    return `http://127.0.0.1:${gateway.port}`;
  }

  /** A connected reader (WebSocket transport unless told otherwise). */
  async reader(
    gateway: RunningGateway = this.gateways[0],
    options: { token?: string; transports?: string[]; connect?: boolean } = {},
  ): Promise<Reader> {
    const socket = io(this.url(gateway), {
      transports: options.transports ?? ['websocket'],
      auth: options.token === undefined ? {} : { token: options.token },
      reconnection: false,
      forceNew: true,
    });
    const reader = new Reader(socket);
    this.readers.push(reader);
    if (options.connect !== false) {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
    }
    return reader;
  }

  /** Commits reports (as the ingest app would) and publishes the events; returns the events. */
  async commit(
    reports: readonly Report[],
    { publish = true }: { publish?: boolean } = {},
  ): Promise<StoryEvent[]> {
    const results = await this.store.store.commitBatch(
      reports.map((report) => ({ report })),
      this.now(),
    );
    const events = results.flatMap((result) => {
      if (result.kind !== 'accepted') throw new Error(`report refused: ${JSON.stringify(result)}`);
      return [result.event];
    });
    if (publish) await this.publisher.publishEvents(events);
    return events;
  }

  publish(events: readonly StoryEvent[]): Promise<void> {
    return this.publisher.publishEvents(events);
  }

  /** Opens a story and posts `entries` entries: version = entries + 1. */
  async story(
    storyId: string,
    entries = 0,
    data: Record<string, unknown> = {},
  ): Promise<StoryEvent[]> {
    return this.commit([
      r.opened(storyId, data),
      ...Array.from({ length: entries }, (_, i) => r.posted(storyId, `e${i + 1}`)),
    ]);
  }

  /** Posts `count` more entries to a story, numbered after `from`. */
  posts(storyId: string, from: number, count: number): Report[] {
    return Array.from({ length: count }, (_, i) => r.posted(storyId, `e${from + i + 1}`));
  }

  token(claims: Record<string, unknown>, secret = SECRET, options: jwt.SignOptions = {}): string {
    return jwt.sign(claims, secret, { algorithm: 'HS256', ...options });
  }

  async metric(name: string, gateway: RunningGateway = this.gateways[0]): Promise<number> {
    const text = await (await fetch(`${this.url(gateway)}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  async close(): Promise<void> {
    for (const reader of this.readers.splice(0)) reader.close();
    await Promise.all(this.gateways.splice(0).map((g) => g.close()));
    const jsm = await jetstreamManager(this.nc);
    for (const stream of [this.subjects.reportsStream, this.subjects.eventsStream])
      await jsm.streams.delete(stream).catch(() => undefined);
    await this.nc.close();
    await this.store.close();
  }
}

export { expectEventually };
