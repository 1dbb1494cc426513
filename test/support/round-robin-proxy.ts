import net from 'node:net';

/**
 * A round-robin TCP load balancer in front of several backends, as a plain L4 balancer without
 * health checks: each new connection goes to the next backend in turn; a connection whose backend
 * refuses it (a dead process) is reset, so the client retries and its next attempt lands elsewhere.
 */
export class RoundRobinProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private next = 0;
  port = 0;
  /** Connections handed to each backend port, refused ones included. */
  readonly routed = new Map<number, number>();

  constructor(
    private readonly backends: number[],
    private readonly host = '127.0.0.1',
  ) {}

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      const target = this.backends[this.next++ % this.backends.length];
      this.routed.set(target, (this.routed.get(target) ?? 0) + 1);
      const upstream = net.connect(target, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => {
          this.sockets.delete(s);
          // Either side closing ends the pair: the client then sees its connection drop.
          client.destroy();
          upstream.destroy();
        });
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, this.host, resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Stops listening and resets every open connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
