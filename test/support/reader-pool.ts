import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { LivefeedClientOptions } from '@livefeed/client';
import type { FollowerView } from './followers';
import type { ReaderCommand, WorkerMessage } from './reader.worker';

interface Mirror extends FollowerView {
  readonly sub: { status: FollowerView['sub']['status']; version: number };
  readonly errors: { code: string; message: string }[];
}

interface Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Commands sent before the worker said it was ready. */
  queued: ReaderCommand[] | null;
}

/**
 * SDK readers spread over a few worker processes (reader.worker.ts), so that the test process
 * stays free to run the case: with 2,000 readers in it, its event loop stalled for 3–4 s while they
 * reconnected (docs/faults.md). `follow` returns a {@link FollowerView} of the reader at once; the
 * worker brings it up to date every 20 ms, so a test waits for what it reads of it as it would
 * for a reader of its own (`expectEventually`).
 */
export class ReaderPool {
  private readonly workers: Worker[] = [];
  private readonly mirrors = new Map<number, Mirror>();
  private next = 0;

  constructor(private readonly size = 4) {}

  follow(
    url: string,
    storyId: string,
    ioOptions?: LivefeedClientOptions['ioOptions'],
  ): FollowerView {
    const id = this.next++;
    const worker = this.workerFor(id);
    const mirror: Mirror = {
      client: { close: () => this.send(worker, { op: 'close', id }) },
      sub: { status: 'connecting', version: 0 },
      log: [],
      statuses: [],
      statusAt: [],
      errors: [],
    };
    this.mirrors.set(id, mirror);
    this.send(worker, { op: 'follow', id, url, storyId, ioOptions });
    return mirror;
  }

  /** Closes every reader and waits for the workers to exit. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0).filter(Boolean);
    for (const w of workers) {
      if (w.child.connected) w.child.send({ op: 'closeAll' } satisfies ReaderCommand);
      else w.child.kill('SIGKILL');
    }
    await Promise.all(workers.map((w) => w.exited));
  }

  private workerFor(id: number): Worker {
    return (this.workers[id % this.size] ??= this.start());
  }

  private start(): Worker {
    const child = fork(path.join(__dirname, 'reader.worker.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: Worker = {
      child,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
      queued: [],
    };
    child.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        const queued = worker.queued ?? [];
        worker.queued = null;
        for (const command of queued) child.send(command);
        return;
      }
      for (const u of message.updates) {
        const mirror = this.mirrors.get(u.id);
        if (!mirror) continue;
        for (const [snapshot, version] of u.log)
          mirror.log.push({ kind: snapshot ? 'snapshot' : 'event', version });
        for (const [status, at] of u.statuses) {
          mirror.statuses.push(status);
          mirror.statusAt.push(at);
        }
        mirror.errors.push(...u.errors);
        mirror.sub.status = u.status;
        mirror.sub.version = u.version;
      }
    });
    return worker;
  }

  private send(worker: Worker, command: ReaderCommand): void {
    if (worker.queued) worker.queued.push(command);
    else if (worker.child.connected) worker.child.send(command);
  }
}
