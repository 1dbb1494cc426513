// Does a server answer at an address, speaking the right protocol? Asked without credentials:
// PostgreSQL answers an SSLRequest with one byte, NATS greets every client with an INFO line.
const net = require('node:net');

const PROBE_TIMEOUT_MS = 2_000;
// The 8-byte SSLRequest of the PostgreSQL protocol: length 8, code 80877103.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** `{ ok: true }` when PostgreSQL answers at `target` ({host, port} or {path}), else why not. */
function probePostgres(target, timeoutMs = PROBE_TIMEOUT_MS) {
  return exchange(target, timeoutMs, (socket, data, done) => {
    if (data === null) return socket.write(SSL_REQUEST);
    const first = String.fromCharCode(data[0]);
    done(
      first === 'S' || first === 'N'
        ? { ok: true }
        : { ok: false, reason: 'answers, but not as PostgreSQL' },
    );
  });
}

/** `{ ok: true }` when a NATS server with JetStream answers at one of `targets`, else why not. */
async function probeNats(targets, timeoutMs = PROBE_TIMEOUT_MS) {
  const results = await Promise.all(targets.map((t) => probeOneNats(t, timeoutMs)));
  return results.find((r) => r.ok) ?? results[0];
}

function probeOneNats(target, timeoutMs) {
  let received = '';
  return exchange(target, timeoutMs, (socket, data, done) => {
    if (data === null) return;
    received += data.toString('utf8');
    if (!received.includes('\r\n') && received.length < 64 * 1024) return;
    const line = received.split('\r\n')[0];
    if (!line.startsWith('INFO ')) return done({ ok: false, reason: 'answers, but not as NATS' });
    let info;
    try {
      info = JSON.parse(line.slice(5));
    } catch {
      return done({ ok: false, reason: 'answers, but not as NATS' });
    }
    done(
      info.jetstream === true
        ? { ok: true, version: info.version }
        : { ok: false, reason: 'answers, but without JetStream (nats-server needs -js)' },
    );
  });
}

/** Connects, lets `step` talk (data null: just connected), and settles once on its verdict. */
function exchange(target, timeoutMs, step) {
  return new Promise((resolve) => {
    const socket = net.connect(
      target.path ? { path: target.path } : { host: target.host, port: target.port },
    );
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ ok: false, reason: `no answer within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    socket.once('connect', () => step(socket, null, done));
    socket.on('data', (data) => step(socket, data, done));
    socket.once('error', (error) => done({ ok: false, reason: describeError(error) }));
    socket.once('close', () =>
      done({ ok: false, reason: 'closed the connection without answering' }),
    );
  });
}

function describeError(error) {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ENOENT':
      return 'no such socket';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return error.code ?? error.message;
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

module.exports = { probePostgres, probeNats, freePort };
