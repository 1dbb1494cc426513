import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
  );

/** The environment of docs/protocol.md, "Configuration" plus tuning knobs; read once, validated, typed. */
export const configSchema = z.object({
  /** One NATS URL or several, comma-separated (the nodes of a cluster: docs/cluster.md). */
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/livefeed'),
  LIVEFEED_SUBJECT_ROOT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lower-case NATS token ([a-z0-9_-], 1-64 chars)')
    .default('livefeed'),
  GATEWAY_PORT: port(3000),
  INGEST_PORT: port(3001),
  LIVEFEED_PUBLISH_TOKENS: list,
  LIVEFEED_READER_SECRET: z.string().default(''),
  /** Origins browsers may connect from; empty allows any origin. */
  LIVEFEED_ALLOWED_ORIGINS: list,
  LIVEFEED_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  /** The gateway's URL as browsers reach it, for the ingest app's console; empty: this host, GATEWAY_PORT. */
  LIVEFEED_GATEWAY_URL: z
    .string()
    .regex(
      /^(https?:\/\/[^\s/]+\/?)?$/,
      'must be an http:// or https:// origin (scheme, host, port)',
    )
    .default(''),
  /** Reports fetched and committed together by the ingest consumer. */
  LIVEFEED_INGEST_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** Ingest transactions that may run at once, each over its own share of the stories. */
  LIVEFEED_INGEST_LANES: z.coerce.number().int().min(1).max(32).default(4),
  /**
   * How long a trickle of reports (fewer than 50) waits for more before ingest commits it, when no
   * transaction is running: fewer, fuller transactions at moderate rates. 0 commits at once.
   */
  LIVEFEED_INGEST_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(10),
  /** How long JetStream waits for an ack before redelivering a report to another worker. */
  LIVEFEED_ACK_WAIT_MS: z.coerce.number().int().min(500).default(5_000),
  /** Days the events stream keeps events. */
  LIVEFEED_EVENTS_MAX_AGE_DAYS: z.coerce.number().positive().default(7),
  /** Replicas of the streams the apps create: 1 on one server, 3 on a cluster (docs/cluster.md). */
  LIVEFEED_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /**
   * Listening sockets on the gateway's port (`SO_REUSEPORT`, Linux): Node accepts one connection
   * per socket and event-loop turn, so a reconnect storm onto a busy gateway is accepted this many
   * times faster. 1: one plain socket.
   */
  LIVEFEED_GATEWAY_LISTENERS: z.coerce.number().int().min(1).max(64).default(16),
  /** Events per story the gateway keeps in memory for catch-ups. */
  LIVEFEED_GATEWAY_CACHE_EVENTS: z.coerce.number().int().min(0).default(1000),
  /**
   * Where replies to the app's NATS requests arrive (`<prefix>.>`); give each NATS user its own
   * (deploy/nats/nats-server.conf, docs/security.md).
   */
  LIVEFEED_NATS_INBOX_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a NATS subject token ([A-Za-z0-9_-], 1-64 chars)')
    .default('_INBOX'),
  /** Longest a client may take to send a request's headers (slow-loris clients are cut off). */
  LIVEFEED_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
  /** Longest a client may take to send a whole request, body included. */
  LIVEFEED_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How long an idle keep-alive connection is kept open between requests. */
  LIVEFEED_HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(5_000),
  /**
   * The gateway's socket.io heartbeat (docs/protocol.md, "Configuration"); unset, its defaults
   * (2000 ms, 2500 ms). A reader whose pong comes later than the timeout is dropped.
   */
  LIVEFEED_PING_INTERVAL_MS: z.coerce.number().int().min(500).max(300_000).optional(),
  LIVEFEED_PING_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).optional(),
  /** Open TCP connections one client address may hold on an app's port; 0: no cap. */
  LIVEFEED_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(0),
  /**
   * A story's state is stored every this many events (docs/architecture.md, "Snapshots"): time travel
   * folds at most this many events onto a stored state.
   */
  LIVEFEED_SNAPSHOT_EVERY: z.coerce.number().int().min(10).max(100_000).default(100),
  /** Comma-separated failpoint names that crash the process (tests only). */
  LIVEFEED_FAILPOINTS: list,
});
export type Config = z.infer<typeof configSchema>;

/** Raised at start when the environment is wrong; its message names every bad variable. */
export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Stream and subject names derived from the subject root (docs/protocol.md, "Reports in" and "Events out"). */
export function subjectsFor(root: string) {
  const upper = root.toUpperCase().replace(/-/g, '_');
  return {
    root,
    reportsStream: `${upper}_REPORTS`,
    eventsStream: `${upper}_EVENTS`,
    reports: (storyId: string) => `${root}.reports.${storyId}`,
    reportsAll: `${root}.reports.>`,
    events: (storyId: string) => `${root}.events.${storyId}`,
    eventsAll: `${root}.events.>`,
    rejections: (storyId: string) => `${root}.rejections.${storyId}`,
    rejectionsAll: `${root}.rejections.>`,
    audience: `${root}.audience`,
  };
}
export type Subjects = ReturnType<typeof subjectsFor>;
