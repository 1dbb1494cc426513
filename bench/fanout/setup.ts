/**
 * Everything bench/fanout runs against, started in order and stopped in reverse: a database of its
 * own, NATS streams under a subject root of its own, the ingest app, the setup stories, the
 * gateway (started after the stories exist, so it has cached nothing of them), the client workers
 * and the baseline server.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type Subjects, subjectsFor } from '@livefeed/common';
import { createTestDatabase } from '@livefeed/common/testing';
import { PipelinedPublisher } from '@livefeed/messaging';
import type { AppProcess } from '../../test/support/processes';
import { type CpuGroups, pidsNamed } from '../lib/cpu';
import { type BenchNats, benchNats } from '../lib/nats';
import type { Ctx, System } from './context';
import { Baseline } from './harness/baseline';
import { inspectorUrl, startBuilt, stopApp, warnings } from './harness/gateway';
import { log, round } from './harness/util';
import { WorkerPool } from './harness/workers';
import { BODY, P } from './params';
import { type EventTemplate, type StoredEvent, wallClock } from './protocol';
import { fileAndWait, ingestHealth, tapEvents } from './filing';

/** Cleanups run once, last added first: at the end, on SIGINT, or at `--deadline`. */
export class Cleanups {
  private readonly fns: (() => Promise<unknown>)[] = [];
  private running: Promise<void> | undefined;
  private readonly watchdog: NodeJS.Timeout;

  constructor(deadlineSeconds: number) {
    this.watchdog = setTimeout(() => {
      log(`deadline of ${deadlineSeconds} s reached: stopping`);
      void this.run().finally(() => process.exit(2));
    }, deadlineSeconds * 1000);
    process.once('SIGINT', () => void this.run().finally(() => process.exit(130)));
  }

  add(fn: () => Promise<unknown>): void {
    this.fns.push(fn);
  }

  /** The run is over: no deadline any more. */
  disarm(): void {
    clearTimeout(this.watchdog);
  }

  run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const fn of this.fns.reverse()) await fn().catch((e: unknown) => log('cleanup:', e));
    })());
  }
}

/** What the run needs besides the scenarios' context: for the report at the end. */
export interface Bench {
  readonly ctx: Ctx;
  readonly systems: System[];
  /** The load average when the run started. */
  readonly load: string[];
  /** Which NATS server the run used (bench/lib/nats.ts). */
  readonly nats: string;
  /** The apps' logged warnings and the ingest consumer's state, read before cleaning up. */
  finish(): Promise<{
    logged: Record<string, Record<string, number>>;
    health: Awaited<ReturnType<typeof ingestHealth>> | undefined;
  }>;
}

export async function setUp(cleanups: Cleanups): Promise<Bench> {
  const run = randomBytes(3).toString('hex');
  const root = `fanout${run}`;
  const subjects = subjectsFor(root);
  const load = os.loadavg().map((l) => l.toFixed(2));
  log(`root ${root}; ${os.cpus().length} cores; load average ${load.join(' ')}`);

  const { nc, env, nats } = await startStores(cleanups, root, subjects);
  log(`NATS: ${nats.label}`);
  const ingest = await startBuilt('ingest', env, P.ingestEntry);
  cleanups.add(() => stopApp(ingest));
  const stories = await fileStories(nc, subjects);
  const pipeline = new PipelinedPublisher(nc);
  cleanups.add(async () => pipeline.close());
  log(`filed ${stories.events.length} setup reports in ${stories.ms} ms`);
  const gateway = await startGateway(env);
  cleanups.add(() => stopApp(gateway));
  const pool = new WorkerPool(P.client, P.reservoir);
  cleanups.add(() => pool.stop());
  await pool.start(P.workers);
  const baseline = P.baseline ? await Baseline.start(P.baselineBacklog) : undefined;
  if (baseline) cleanups.add(() => baseline.stop());

  let phase = 0;
  const ctx: Ctx = {
    js: pipeline,
    subjects,
    gateway,
    baseline,
    pool,
    tap: tapEvents(nc, subjects),
    cpu: cpuGroups(ingest, gateway, pool, baseline, nats),
    spread: stories.spread,
    template: stories.template,
    stormEvents: stories.events.filter((e): e is StoredEvent => e.storyId === 'storm'),
    inspector: inspectorUrl(gateway),
    marker: () => `L${run}${phase++}`,
  };
  return {
    ctx,
    systems: baseline ? ['livefeed', 'baseline'] : ['livefeed'],
    load,
    nats: nats.label,
    finish: async () => ({
      logged: { gateway: warnings(gateway), ingest: warnings(ingest) },
      health: await ingestHealth(nc, subjects).catch(() => undefined),
    }),
  };
}

/**
 * A database of the run's own, and NATS (bench/lib/nats.ts: a nats-server of the run's own unless
 * `NATS_URL` names one); the cleanups drop the database, delete the run's two streams, close the
 * connection and stop the run's nats-server. `env` is what the apps are started with.
 */
async function startStores(cleanups: Cleanups, root: string, subjects: Subjects) {
  const nats = await benchNats();
  cleanups.add(() => nats.close());
  const db = await createTestDatabase();
  cleanups.add(() => db.drop());
  const nc = await connect({ servers: nats.url });
  cleanups.add(async () => {
    const jsm = await jetstreamManager(nc);
    for (const name of [subjects.reportsStream, subjects.eventsStream]) {
      await jsm.streams.delete(name).catch(() => false);
    }
    await nc.close();
  });
  const env = {
    DATABASE_URL: db.url,
    LIVEFEED_SUBJECT_ROOT: root,
    NATS_URL: nats.url,
    LIVEFEED_LOG_LEVEL: 'info',
  };
  return { nc, env, nats };
}

/**
 * Files the stories through ingest and waits for their events: `one`, s-0..s-<stories-1>, and
 * `storm` filed up to stormVersion. A filed `entry.posted` models the baseline's payload.
 */
async function fileStories(nc: NatsConnection, subjects: Subjects) {
  const spread = Array.from({ length: P.stories }, (_, i) => `s-${i}`);
  const opened = ['one', 'storm', ...spread].map((storyId) => ({
    id: `setup-open-${storyId}`,
    storyId,
    type: 'story.opened',
    author: 'desk:bench',
    data: { title: `Bench story ${storyId}` },
  }));
  const stormEntries = Array.from({ length: P.stormVersion - 1 }, (_, i) => ({
    id: `setup-storm-${i + 2}`,
    storyId: 'storm',
    type: 'entry.posted',
    author: 'desk:bench',
    data: { entryId: `storm-${i + 2}`, body: BODY },
  }));
  const t0 = wallClock();
  const events = await fileAndWait(nc, jetstream(nc), subjects, [...opened, ...stormEntries]);
  const ms = round(wallClock() - t0);
  const sample = events.find((e) => e.type === 'entry.posted');
  if (!sample) throw new Error('no entry.posted event to model the baseline payload on');
  const template: EventTemplate = {
    type: 'entry.posted',
    data: sample.data as Record<string, unknown>,
    author: String(sample.author),
    occurredAt: String(sample.occurredAt),
    recordedAt: String(sample.recordedAt),
  };
  return { spread, events, template, ms };
}

/**
 * The gateway, with its inspector on 127.0.0.1 at a random port when full GCs (memory readings)
 * or CPU profiles are wanted.
 */
function startGateway(env: Record<string, string>): Promise<AppProcess> {
  const inspect = P.gc || P.profile;
  return startBuilt(
    'gateway',
    { ...env, ...(inspect ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}) },
    P.gatewayEntry,
  );
}

/** The processes whose CPU time each system's windows report. */
function cpuGroups(
  ingest: AppProcess,
  gateway: AppProcess,
  pool: WorkerPool,
  baseline: Baseline | undefined,
  nats: BenchNats,
): Record<System, CpuGroups> {
  const shared: CpuGroups = {
    nats: () => nats.pids(),
    postgres: () => pidsNamed('postgres'),
    clients: () => pool.pids,
  };
  return {
    livefeed: {
      gateway: () => [gateway.child.pid ?? 0],
      ingest: () => [ingest.child.pid ?? 0],
      ...shared,
    },
    baseline: { server: () => (baseline ? [baseline.pid] : []), ...shared },
  };
}
