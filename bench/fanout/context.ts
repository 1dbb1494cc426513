/** What every scenario gets from setup.ts: the running systems and the bench's handles on them. */
import type { PipelinedPublisher } from '@livefeed/messaging';
import type { Subjects } from '@livefeed/common';
import type { AppProcess } from '../../test/support/processes';
import type { CpuGroups } from '../lib/cpu';
import type { Baseline } from './harness/baseline';
import type { WorkerPool } from './harness/workers';
import type { EventTemplate, StoredEvent } from './protocol';
import type { Tap } from './filing';

export type System = 'livefeed' | 'baseline';

export interface Ctx {
  /** The lightest JetStream publisher there is, so the bench's own CPU stays small. */
  readonly js: PipelinedPublisher;
  readonly subjects: Subjects;
  readonly gateway: AppProcess;
  readonly baseline: Baseline | undefined;
  readonly pool: WorkerPool;
  readonly tap: Tap;
  readonly cpu: Record<System, CpuGroups>;
  readonly spread: readonly string[];
  readonly template: EventTemplate;
  /** The `storm` story's events as livefeed published them (the baseline's catch-up source). */
  readonly stormEvents: readonly StoredEvent[];
  readonly inspector: string | undefined;
  marker(): string;
}

export const urlOf = (ctx: Ctx, system: System) =>
  system === 'livefeed' ? ctx.gateway.url : ctx.baseline!.url;
