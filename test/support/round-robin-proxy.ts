import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/**
 * A round-robin TCP load balancer in front of several backends, as a plain L4 balancer without
 * health checks: each new connection goes to the next backend in turn; a connection whose backend
 * refuses it (a dead process) is reset, so the client retries and its next attempt lands elsewhere.
 *
 * It runs in its own process (round-robin.balancer.ts), as a real balancer does, and listens with
 * the gateway's backlog (4096) on 8 sockets (Node accepts one connection per listening socket and
 * event-loop turn: libs/common/src/http/listen.ts). Inside the test process, next to thousands of readers, it accepted
 * a few dozen connections a second (Node accepts one per event-loop turn, and the readers made each
 * turn long), its 511-deep queue overflowed, and every dropped handshake cost its reader a SYN
 * retransmit (1 s, 3 s, 7 s …): a storm of 1,000 readers took minutes (docs/faults.md).
 */
export class RoundRobinProxy {
  private child?: ChildProcess;
  port = 0;
  /** Connections handed to each backend port, refused ones included (as last reported). */
  readonly routed = new Map<number, number>();
  private readonly backends: readonly number[];
  private readonly host: string;

  constructor(backends: readonly number[], host = '127.0.0.1') {
    this.backends = backends;
    this.host = host;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(): Promise<number> {
    const child = fork(
      path.join(__dirname, 'round-robin.balancer.ts'),
      [this.host, '4096', ...this.backends.map(String)],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the balancer exited with ${code}`)));
      child.on('message', (m: { port?: number; routed?: [number, number][] }) => {
        if (m.port !== undefined) resolve(m.port);
        for (const [port, n] of m.routed ?? []) this.routed.set(port, n);
      });
    });
    return this.port;
  }

  /** Stops listening and resets every open connection. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.send({ op: 'close' });
    await exited;
    clearTimeout(timer);
  }
}
