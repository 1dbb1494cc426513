// What `npm start` was asked to do: its arguments and the environment it reads for itself
// (docs/protocol.md, "Configuration": LIVEFEED_SERVICES, LIVEFEED_DATA_DIR, LIVEFEED_NATS_SERVER).
// The apps read the rest of the environment themselves and report their own bad values.
const path = require('node:path');

const MODES = ['auto', 'local', 'external'];
const DEMO_MODES = ['auto', 'on', 'off'];
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/livefeed';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

const USAGE = `usage: npm start [-- --verbose] [-- --build]

Builds if needed, then runs the ingest and gateway apps, and PostgreSQL and NATS when
LIVEFEED_SERVICES asks for them (README.md, "What npm start starts").

  --verbose   show the apps' JSON logs here too (they always go to <data dir>/logs/<app>.log)
  --build     build even when a build is there
  --help      this text

  LIVEFEED_SERVICES     auto (default): use DATABASE_URL and NATS_URL when they answer, else start
                        its own; local: always start its own; external: never
  LIVEFEED_DATA_DIR     where what it starts keeps its data and the logs (default: .livefeed)
  LIVEFEED_NATS_SERVER  the nats-server to run (default: the first on PATH or in /usr/sbin)
  LIVEFEED_DEMO         auto (default): play the demo story when a service was started here (a
                        development machine); on: always; off: never`;

/** A mistake in how the script was called: its message is for the user, exit 2. */
class UsageError extends Error {}

/** A failure the user can act on (a service that did not answer, a missing program): exit 1. */
class StartError extends Error {}

function readOptions(argv, env, root) {
  const flags = { verbose: false, build: false, help: false };
  for (const arg of argv) {
    if (arg === '--verbose' || arg === '-v') flags.verbose = true;
    else if (arg === '--build') flags.build = true;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}\n\n${USAGE}`);
  }
  const mode = (env.LIVEFEED_SERVICES ?? '') === '' ? 'auto' : env.LIVEFEED_SERVICES;
  if (!MODES.includes(mode)) {
    throw new UsageError(
      `LIVEFEED_SERVICES must be one of ${MODES.join(', ')} (got ${JSON.stringify(mode)})`,
    );
  }
  const databaseUrl = nonEmpty(env.DATABASE_URL) ?? DEFAULT_DATABASE_URL;
  const natsUrl = nonEmpty(env.NATS_URL) ?? DEFAULT_NATS_URL;
  // Relative to where the user typed the command (npm runs scripts from the package root).
  const base = env.INIT_CWD || process.cwd();
  const dataDir = path.resolve(
    base,
    nonEmpty(env.LIVEFEED_DATA_DIR) ?? path.join(root, '.livefeed'),
  );
  const natsServer = nonEmpty(env.LIVEFEED_NATS_SERVER);
  const demo = nonEmpty(env.LIVEFEED_DEMO) ?? 'auto';
  if (!DEMO_MODES.includes(demo)) {
    throw new UsageError(
      `LIVEFEED_DEMO must be one of ${DEMO_MODES.join(', ')} (got ${JSON.stringify(demo)})`,
    );
  }
  return {
    ...flags,
    mode,
    demo,
    dataDir,
    natsServer: natsServer && path.resolve(base, natsServer),
    postgres: {
      ...parsePostgresUrl(databaseUrl),
      configured: nonEmpty(env.DATABASE_URL) !== undefined,
    },
    nats: {
      targets: parseNatsUrl(natsUrl),
      display: mask(natsUrl),
      configured: nonEmpty(env.NATS_URL) !== undefined,
    },
  };
}

const nonEmpty = (value) => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** Where DATABASE_URL points: a TCP host and port, or a Unix socket (`?host=/run/postgresql`). */
function parsePostgresUrl(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`DATABASE_URL is not a URL (got ${JSON.stringify(mask(raw))})`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UsageError(
      `DATABASE_URL must be a postgres:// URL (got ${JSON.stringify(mask(raw))})`,
    );
  }
  const port = portOf(url, 5432, 'DATABASE_URL');
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'livefeed';
  const socketDir = url.searchParams.get('host');
  const host = unbracket(url.hostname) || 'localhost';
  const target =
    socketDir && socketDir.startsWith('/')
      ? { path: path.join(socketDir, `.s.PGSQL.${port}`), address: `${socketDir} (port ${port})` }
      : { host, port, address: `${host}:${port}` };
  return { url: raw, display: mask(raw), database, target };
}

/** NATS_URL may list several servers, `nats://host:port` or `host:port`, comma-separated. */
function parseNatsUrl(raw) {
  return raw.split(',').map((entry) => {
    const text = entry.trim();
    let url;
    try {
      url = new URL(text.includes('://') ? text : `nats://${text}`);
    } catch {
      throw new UsageError(
        `NATS_URL has an entry that is not a URL: ${JSON.stringify(mask(text))}`,
      );
    }
    if (!['nats:', 'tls:'].includes(url.protocol)) {
      throw new UsageError(
        `NATS_URL entries must be nats:// or tls:// (got ${JSON.stringify(mask(text))})`,
      );
    }
    const host = unbracket(url.hostname) || 'localhost';
    const port = portOf(url, 4222, 'NATS_URL');
    return { host, port, address: `${host}:${port}` };
  });
}

function portOf(url, fallback, name) {
  if (url.port === '') return fallback;
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${name} has a bad port: ${JSON.stringify(url.port)}`);
  }
  return port;
}

const unbracket = (host) => host.replace(/^\[(.*)\]$/, '$1');

/** The URL without its password, for messages. */
function mask(raw) {
  return raw.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@,]*):[^@/,]*@/gi, '$1:***@');
}

module.exports = { readOptions, UsageError, StartError, USAGE };
