/**
 * The balancer process of round-robin-proxy.ts, run by Node itself (type stripping: only erasable
 * TypeScript here, and no imports but Node's). argv: host, backlog, backend ports. It tells its
 * parent `{ port }` once listening and `{ routed }` (per backend port) as connections come, and
 * on `close` resets every connection and exits. It listens with several sockets on its port
 * (`SO_REUSEPORT` on Linux), as balancers do with their workers: Node accepts one connection per
 * listening socket and event-loop turn (libs/common/src/http/listen.ts).
 *
 * `.mts`: Node reads it as the ES module it is, without first trying CommonJS and warning.
 */
import net from 'node:net';

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

const LISTENERS = process.platform === 'linux' ? 8 : 1;

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
const servers = Array.from({ length: LISTENERS }, () => net.createServer(onClient));

const close = () => {
  for (const s of sockets) s.destroy();
  for (const extra of servers.slice(1)) extra.close();
  servers[0].close(() => {
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

const listen = (server: net.Server, port: number) =>
  new Promise<void>((resolve) =>
    server.listen({ port, host, backlog: Number(backlogArg), reusePort: LISTENERS > 1 }, resolve),
  );
void (async () => {
  await listen(servers[0], 0);
  const port = (servers[0].address() as net.AddressInfo).port;
  for (const extra of servers.slice(1)) await listen(extra, port);
  process.send?.({ port });
})();
