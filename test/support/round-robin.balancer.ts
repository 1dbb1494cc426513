/**
 * The balancer process of round-robin-proxy.ts, run with tsx. argv: host, backlog, backend ports.
 * It tells its parent `{ port }` once listening and `{ routed }` (per backend port) as connections
 * come, and on `close` resets every connection and exits. It listens as the gateway does, with
 * several sockets on its port (libs/common/src/http/listen.ts): Node accepts one connection per
 * listening socket and event-loop turn.
 */
import net from 'node:net';
import { listenShared } from '../../libs/common/src/http/listen';

const [host, backlogArg, ...backendArgs] = process.argv.slice(2);
const backends = backendArgs.map(Number);
const sockets = new Set<net.Socket>();
const routed = new Map<number, number>();
let next = 0;
let reportDue: ReturnType<typeof setTimeout> | undefined;

const report = () => {
  reportDue = undefined;
  process.send?.({ routed: [...routed] });
};

const LISTENERS = 8;

const onClient = (client: net.Socket) => {
  const target = backends[next++ % backends.length];
  routed.set(target, (routed.get(target) ?? 0) + 1);
  reportDue ??= setTimeout(report, 50);
  const upstream = net.connect(target, host);
  // Either side closing or failing ends the pair: the client then sees its connection drop.
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      end();
    });
    s.on('error', end);
  }
  client.pipe(upstream);
  upstream.pipe(client);
};
const server = net.createServer(onClient);

const close = () => {
  for (const s of sockets) s.destroy();
  server.close(() => {
    clearTimeout(reportDue);
    // The last counts, then out: the parent waits for the exit.
    process.send?.({ routed: [...routed] }, () => process.exit(0));
  });
};

process.on('message', (message: { op?: string }) => {
  if (message.op === 'close') close();
});
// The test process went away without closing: nothing is left listening.
process.on('disconnect', () => process.exit(0));

void listenShared(server, { port: 0, host, backlog: Number(backlogArg), sockets: LISTENERS }).then(
  ({ port }) => process.send?.({ port }),
);
