import { Inject, Injectable } from '@nestjs/common';
import {
  type Acknowledge,
  refusal,
  type SubscribeAck,
  type UnsubscribeAck,
} from '@livefeed/protocol';
import { ANONYMOUS, ReaderTokenService, type ReaderGrant } from '../auth/reader-token.service';
import { GATEWAY_OPTIONS, type GatewayOptions } from '../config/gateway.options';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { StoryStreamsService } from '../stream/story-streams.service';
import type { JoinOutcome, Visibility } from '../stream/join.plan';
import { audienceRoom, SocketHub } from './socket.hub';
import {
  parseRequest,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
} from './subscribe-request.schema';

interface Subscription {
  /** Bumped by every subscribe and unsubscribe: an older subscribe still in flight is then stale. */
  readonly generation: number;
  active: boolean;
  visibility?: Visibility;
}

interface Session {
  readonly id: string;
  readonly grant: ReaderGrant;
  readonly subscriptions: Map<string, Subscription>;
  expiry: NodeJS.Timeout | null;
  open: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The subscriptions of every connected socket: validates requests, checks the reader's grant on each
 * subscribe, hands the stitching to the story's stream, and withdraws private stories from a reader
 * the moment its token expires.
 */
@Injectable()
export class SubscriptionService {
  private readonly sessions = new Map<string, Session>();
  private generation = 0;
  private active = 0;

  constructor(
    private readonly streams: StoryStreamsService,
    private readonly tokens: ReaderTokenService,
    private readonly hub: SocketHub,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  connect(socketId: string, token: unknown, now = Date.now()): void {
    const grant = token === undefined ? ANONYMOUS : this.tokens.grantOf(token, now);
    const session: Session = {
      id: socketId,
      grant,
      subscriptions: new Map(),
      expiry: null,
      open: true,
    };
    this.sessions.set(socketId, session);
    this.scheduleExpiry(session, now);
    this.metrics.connectedSockets.set(this.sessions.size);
  }

  disconnect(socketId: string): void {
    const session = this.sessions.get(socketId);
    if (!session) return;
    session.open = false;
    if (session.expiry) clearTimeout(session.expiry);
    for (const storyId of [...session.subscriptions.keys()]) this.drop(session, storyId);
    this.sessions.delete(socketId);
    this.metrics.connectedSockets.set(this.sessions.size);
  }

  /** Answers through `ack` exactly once (unless there is none: a subscribe without ack is ignored). */
  async subscribe(socketId: string, body: unknown, ack: unknown): Promise<void> {
    if (typeof ack !== 'function') return;
    let answered = false;
    const reply = (response: SubscribeAck) => {
      if (answered) return;
      answered = true;
      if (!response.ok) this.metrics.refusedSubscribes.inc({ code: response.error.code });
      (ack as Acknowledge<SubscribeAck>)(response);
    };
    const session = this.sessions.get(socketId);
    if (!session) return;
    const request = parseRequest(subscribeRequestSchema, body);
    if (!request.ok) return reply(refusal('invalid', request.message));
    const { storyId, since } = request.value;
    if (
      !session.subscriptions.has(storyId) &&
      session.subscriptions.size >= this.options.maxSubscriptionsPerSocket
    ) {
      return reply(
        refusal(
          'invalid',
          `at most ${this.options.maxSubscriptionsPerSocket} stories per connection`,
        ),
      );
    }
    this.drop(session, storyId);
    const subscription: Subscription = { generation: ++this.generation, active: false };
    session.subscriptions.set(storyId, subscription);
    const isCurrent = () => session.open && session.subscriptions.get(storyId) === subscription;

    let outcome: JoinOutcome;
    try {
      outcome = await this.streams.stream(storyId).join({
        key: socketId,
        since,
        mayRead: (visibility) => this.tokens.mayRead(session.grant, storyId, visibility),
        isCurrent,
        accept: (version) => reply({ ok: true, storyId, version }),
      });
    } catch (error) {
      outcome = { kind: 'unavailable', reason: String(error) };
    }

    if (outcome.kind === 'joined') {
      if (!isCurrent()) {
        // Dropped right after joining: the unsubscribe or disconnect found it joined and took it out,
        // or a newer subscribe of the same story now owns the socket's place in the stream.
        if (!session.open || !session.subscriptions.has(storyId))
          this.streams.existing(storyId)?.leave(socketId);
        return;
      }
      subscription.active = true;
      subscription.visibility = outcome.visibility;
      this.hub.join(socketId, audienceRoom(storyId));
      this.active += 1;
      this.metrics.subscriptions.set(this.active);
      return;
    }
    if (isCurrent()) session.subscriptions.delete(storyId);
    switch (outcome.kind) {
      case 'not-found':
        return reply(refusal('not-found', `story ${storyId} does not exist`));
      case 'forbidden':
        return reply(
          refusal(
            'forbidden',
            `story ${storyId} is private: a reader token granting it is required`,
          ),
        );
      case 'cancelled':
        return reply(
          refusal('invalid', 'superseded by a later subscribe or unsubscribe of the same story'),
        );
      case 'unavailable':
        return reply(refusal('unavailable', `could not subscribe now, retry: ${outcome.reason}`));
    }
  }

  unsubscribe(socketId: string, body: unknown, ack: unknown): void {
    const reply = (response: UnsubscribeAck) => {
      if (typeof ack === 'function') (ack as Acknowledge<UnsubscribeAck>)(response);
    };
    const request = parseRequest(unsubscribeRequestSchema, body);
    if (!request.ok) return reply(refusal('invalid', request.message));
    const session = this.sessions.get(socketId);
    if (session) this.drop(session, request.value.storyId);
    reply({ ok: true, storyId: request.value.storyId });
  }

  /** Stories a socket follows (or is being subscribed to). */
  subscriptionsOf(socketId: string): string[] {
    return [...(this.sessions.get(socketId)?.subscriptions.keys() ?? [])];
  }

  private drop(session: Session, storyId: string): void {
    const subscription = session.subscriptions.get(storyId);
    if (!subscription) return;
    session.subscriptions.delete(storyId);
    this.streams.existing(storyId)?.leave(session.id);
    if (subscription.active) {
      this.hub.leave(session.id, audienceRoom(storyId));
      this.active -= 1;
      this.metrics.subscriptions.set(this.active);
    }
  }

  /** At `exp`, private stories stop: the reader is told, and no further event reaches it. */
  private scheduleExpiry(session: Session, now: number): void {
    const expiresAt = session.grant.expiresAt;
    if (expiresAt === null) return;
    const delay = Math.min(Math.max(0, expiresAt - now), MAX_TIMER_MS);
    session.expiry = setTimeout(() => {
      session.expiry = null;
      if (!session.open) return;
      if (Date.now() < expiresAt) return this.scheduleExpiry(session, Date.now());
      for (const [storyId, subscription] of [...session.subscriptions]) {
        if (subscription.visibility !== 'private') continue;
        this.drop(session, storyId);
        if (subscription.active)
          this.hub.send(session.id, 'revoked', { storyId, reason: 'token-expired' });
      }
    }, delay);
    session.expiry.unref();
  }
}
