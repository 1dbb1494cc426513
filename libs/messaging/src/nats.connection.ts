import type { NatsConnection, Status } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

export type { NatsConnection } from '@nats-io/nats-core';
/** A connection status change as nats.js reports it (`disconnect`, `reconnecting`, `reconnect`, `error`, …). */
export type NatsStatus = Status;

export interface ConnectNatsOptions {
  /** One server URL or several (a cluster), as a list or one comma-separated string. */
  readonly url: string | readonly string[];
  /** Shown on the server's monitoring pages: name the app and instance. */
  readonly name: string;
  /** Called on every status change except the periodic client pings. */
  readonly onStatus?: (status: NatsStatus) => void;
  /** Pause between reconnect attempts (a random jitter of up to half of it is added). */
  readonly reconnectTimeWaitMs?: number;
  /**
   * Where replies to this connection's requests arrive (`<prefix>.>`): JetStream acks, API answers,
   * and the messages of its pull consumers. A NATS user of its own should have a prefix of its own,
   * so that no other user may subscribe to what it reads (docs/security.md). `_INBOX` by default.
   */
  readonly inboxPrefix?: string;
}

/** The user and password of a `nats://user:password@host:port` URL, and the URL without them. */
export interface NatsServerAddress {
  readonly server: string;
  readonly user?: string;
  readonly pass?: string;
}

/**
 * Takes the credentials out of a NATS URL: nats.js does not read them from the URL, and a URL
 * handed on without them is safe to log. Percent-escapes in the user and password are decoded.
 */
export function splitNatsUrl(url: string): NatsServerAddress {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)?([^@/]*)@(.*)$/i.exec(url.trim());
  if (!match) return { server: url.trim() };
  const [, scheme = '', userinfo, rest] = match;
  const colon = userinfo.indexOf(':');
  const decode = (s: string) => decodeURIComponent(s);
  const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const pass = colon < 0 ? undefined : decode(userinfo.slice(colon + 1));
  return { server: `${scheme}${rest}`, ...(user ? { user } : {}), ...(pass ? { pass } : {}) };
}

/** Several URLs (a cluster) must name the same user: one connection authenticates once. */
function credentialsOf(urls: readonly string[]): {
  servers: string[];
  user?: string;
  pass?: string;
} {
  const split = urls.map(splitNatsUrl);
  const [first] = split;
  for (const other of split)
    if (other.user !== first?.user || other.pass !== first?.pass)
      throw new Error('NATS_URL: every server URL must carry the same user and password');
  return {
    servers: split.map((s) => s.server),
    ...(first?.user ? { user: first.user } : {}),
    ...(first?.pass ? { pass: first.pass } : {}),
  };
}

const inboxPrefixes = new WeakMap<NatsConnection, string>();

/** The inbox prefix a connection was opened with (`_INBOX` unless {@link connectNats} was told). */
export function inboxPrefixOf(nc: NatsConnection): string {
  return inboxPrefixes.get(nc) ?? '_INBOX';
}

// Whether connections opened by connectNats are currently connected, so that a health check
// answers at once during an outage instead of queueing a PING behind the reconnect.
const connected = new WeakMap<NatsConnection, boolean>();

/**
 * Connects to NATS and keeps the connection forever: nats.js gives up after 10 reconnect attempts
 * by default, which would leave a long-running app silently deaf after a NATS outage of a minute.
 * The first connect waits for the server too, so an app can start before NATS does. A user and
 * password in the URL (`nats://ingest:secret@host:4222`) authenticate the connection.
 */
export async function connectNats({
  url,
  name,
  onStatus,
  reconnectTimeWaitMs = 1000,
  inboxPrefix = '_INBOX',
}: ConnectNatsOptions): Promise<NatsConnection> {
  // Annotated: under `moduleResolution: node10` the transport's own typings resolve to `any`.
  const nc: NatsConnection = await connect({
    ...credentialsOf(natsServers(url)),
    inboxPrefix,
    name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: reconnectTimeWaitMs,
    reconnectJitter: Math.round(reconnectTimeWaitMs / 2),
    // The default of 2 minutes × 2 missed pings takes 4 minutes to notice a half-open TCP connection.
    pingInterval: 20_000,
    maxPingOut: 3,
    // Otherwise every request, JetStream publish and ack made with a timeout builds an Error up front
    // (a stack trace) in case it fails: about 2 % of ingest's busy CPU at full speed (its CPU profile).
    // A failure still says what failed; it no longer names the line that started the operation.
    noAsyncTraces: true,
  });
  connected.set(nc, true);
  inboxPrefixes.set(nc, inboxPrefix);
  onConnectionStatus(nc, (status) => {
    if (status.type === 'disconnect' || status.type === 'reconnecting') connected.set(nc, false);
    if (status.type === 'reconnect') connected.set(nc, true);
    if (status.type !== 'ping') onStatus?.(status);
  });
  return nc;
}

/** The server URLs of `url`: a list, or one string of comma-separated URLs (NATS_URL). */
export function natsServers(url: string | readonly string[]): string[] {
  const all = typeof url === 'string' ? url.split(',') : [...url];
  const servers = all.map((u) => u.trim()).filter((u) => u.length > 0);
  if (servers.length === 0) throw new Error('no NATS server URL given');
  return servers;
}

/**
 * Calls `listener` on each status change of `nc` until the returned function is called (or the
 * connection closes). A listener that throws does not stop the others.
 */
export function onConnectionStatus(
  nc: NatsConnection,
  listener: (status: NatsStatus) => void,
): () => void {
  const statuses = nc.status();
  void (async () => {
    for await (const status of statuses) {
      try {
        listener(status);
      } catch {
        // A logging callback's failure must not end status tracking.
      }
    }
  })();
  // nats.js hands out a QueuedIterator; stopping it unregisters the listener at once instead of at
  // the next status change.
  return () => {
    if (hasStop(statuses)) statuses.stop();
  };
}

function hasStop(value: object): value is { stop(): void } {
  return 'stop' in value && typeof value.stop === 'function';
}

/**
 * True when the connection is usable now: not closed or draining, not between reconnects, and the
 * server answers a PING within `timeoutMs`. For `/health`.
 */
export async function isNatsHealthy(nc: NatsConnection, timeoutMs = 1000): Promise<boolean> {
  if (nc.isClosed() || nc.isDraining() || connected.get(nc) === false) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const flushed = nc.flush().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([flushed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
