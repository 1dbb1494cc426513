/** The parent's handle on the baseline server process (baseline-server.ts). */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import {
  type BaselineCommand,
  type BaselineReply,
  type EventTemplate,
  type StoredEvent,
} from '../protocol';
import { stopChild } from './workers';

export class Baseline {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(backlog = 4096): Promise<Baseline> {
    const child = fork(path.join(__dirname, '..', 'baseline-server.ts'), [String(backlog)], {
      execArgv: [...process.execArgv, '--expose-gc'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
      child.on('message', (m: BaselineReply) => {
        if (m.type === 'listening') resolve(m.port);
      });
    });
    return new Baseline(child, `http://127.0.0.1:${port}`);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private ask<T extends BaselineReply>(cmd: BaselineCommand, type: T['type']): Promise<T> {
    return new Promise((resolve) => {
      const on = (m: BaselineReply) => {
        if (m.type !== type) return;
        this.child.off('message', on);
        resolve(m as T);
      };
      this.child.on('message', on);
      this.child.send(cmd);
    });
  }

  run(
    stories: readonly string[],
    ratePerStory: number,
    seconds: number,
    template: EventTemplate,
    marker: string,
  ) {
    return this.ask<Extract<BaselineReply, { type: 'ran' }>>(
      { op: 'run', stories, ratePerStory, seconds, template, marker },
      'ran',
    );
  }

  seed(storyId: string, events: readonly StoredEvent[]) {
    return this.ask<Extract<BaselineReply, { type: 'seeded' }>>(
      { op: 'seed', storyId, events },
      'seeded',
    );
  }

  /** RSS and heap used after a full GC (the server runs with --expose-gc). */
  memory() {
    return this.ask<Extract<BaselineReply, { type: 'memory' }>>({ op: 'memory' }, 'memory');
  }

  stop(): Promise<void> {
    return stopChild(this.child, { op: 'exit' });
  }
}
