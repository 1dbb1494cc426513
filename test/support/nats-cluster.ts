import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { expectEventually, freePort } from '@livefeed/common/testing';

interface Node {
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly config: string;
  process?: ChildProcess;
}

/**
 * A three-node (or `size`) JetStream cluster of the test's own on free ports, configured like
 * deploy/nats-cluster/*.conf (docs/cluster.md): `server_name`, `jetstream { store_dir }` and
 * `cluster { name, listen, routes }` per node. Nodes can be SIGKILLed and restarted with their store.
 */
export class NatsCluster {
  private constructor(
    private readonly dir: string,
    readonly nodes: Node[],
  ) {}

  static async start(size = 3): Promise<NatsCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'livefeed-nats-cluster-'));
    const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
    const nodes = Array.from({ length: size }, (_, i) => {
      const name = `n${i + 1}`;
      const [port, clusterPort] = [ports[2 * i], ports[2 * i + 1]];
      const routes = ports
        .filter((_, j) => j % 2 === 1 && j !== 2 * i + 1)
        .map((p) => `nats-route://127.0.0.1:${p}`);
      const config = join(dir, `${name}.conf`);
      writeFileSync(
        config,
        [
          `server_name: ${name}`,
          `listen: 127.0.0.1:${port}`,
          `jetstream { store_dir: "${join(dir, name)}" }`,
          `cluster {`,
          `  name: livefeed`,
          `  listen: 127.0.0.1:${clusterPort}`,
          `  routes: [ ${routes.join(', ')} ]`,
          `}`,
        ].join('\n'),
      );
      return { name, port, clusterPort, config };
    });
    const cluster = new NatsCluster(dir, nodes);
    for (const node of nodes) cluster.spawn(node);
    await cluster.ready();
    return cluster;
  }

  /** Every node's URL, comma-separated: NATS_URL for the apps. */
  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  node(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in ${this.nodes.map((n) => n.name).join(', ')}`);
    return node;
  }

  /** Kills a node without a word (its store stays for the restart). */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    const child = node.process;
    node.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(name: string): Promise<void> {
    await this.kill(name);
    this.spawn(this.node(name));
    await this.ready();
  }

  /** Waits until JetStream answers through every running node (a meta leader is elected). */
  async ready(timeoutMs = 30_000): Promise<void> {
    for (const node of this.nodes.filter((n) => n.process)) {
      await expectEventually(
        async () => {
          const nc = await connect({ servers: `nats://127.0.0.1:${node.port}`, timeout: 1000 });
          try {
            await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo();
          } finally {
            await nc.close();
          }
        },
        { timeoutMs, intervalMs: 250 },
      );
    }
  }

  async destroy(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.name);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(node: Node): void {
    node.process = spawn('nats-server', ['-c', node.config], { stdio: 'ignore' });
  }
}
