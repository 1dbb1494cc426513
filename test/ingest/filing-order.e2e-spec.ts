import { jetstreamManager } from '@nats-io/jetstream';
import { expectEventually } from '@livefeed/common/testing';
import { AppFleet, type AppProcess } from '../support/processes';
import { isolatedWorld, type RawReport } from '../support/livefeed';

/**
 * A crash never changes a story's order (docs/architecture.md, "Filing order"): reports a dead ingest
 * held are decided before anything filed after them for the same story, within about one ack wait of a
 * live ingest being there, and nothing valid is rejected because of the crash. Every ingest here runs
 * with the default ack wait.
 */

jest.setTimeout(240_000);

let world: Awaited<ReturnType<typeof isolatedWorld>>;
const fleet = new AppFleet();

beforeAll(async () => {
  world = await isolatedWorld();
});
afterEach(() => fleet.stopAll());
afterAll(async () => {
  await world?.close();
});

async function ingest(env: Record<string, string> = {}): Promise<AppProcess> {
  return fleet.start('ingest', { ...world.env, ...env });
}

async function kill(p: AppProcess): Promise<void> {
  p.kill('SIGKILL');
  await p.exited;
}

const report = (
  storyId: string,
  id: string,
  type: string,
  data: Record<string, unknown>,
): RawReport => ({ id, storyId, type, author: 'desk:test', data });
const post = (storyId: string, n: number) =>
  report(storyId, `${storyId}-p${n}`, 'entry.posted', {
    entryId: `e${n}`,
    body: `<p>update ${n}</p>`,
  });

/** Reports delivered to some ingest and not settled yet (what a frozen or dead process holds). */
async function ackPending(): Promise<number> {
  const jsm = await jetstreamManager(world.nc);
  const info = await jsm.consumers.info(world.subjects.reportsStream, 'ingest');
  return info.num_ack_pending;
}

async function decidedCount(prefix: string): Promise<number> {
  const [row] = await world.sql<{ n: string }>(
    'SELECT count(*) AS n FROM report_outcomes WHERE story_id LIKE $1',
    [`${prefix}%`],
  );
  return Number(row.n);
}

interface Verdict {
  readonly reports: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly wrongfulRejections: number;
  /** Stories whose log differs from the order their reports were filed in. */
  readonly storiesOutOfOrder: number;
  /** Reports standing at another place in their story's log than their place in filing order. */
  readonly orderViolations: number;
}

/** Every report filed is valid in filing order: each must be accepted, once, at its filing place. */
async function verdict(filed: readonly RawReport[], prefix: string): Promise<Verdict> {
  const rows = await world.sql<{ story_id: string; report_id: string }>(
    'SELECT story_id, report_id FROM events WHERE story_id LIKE $1 ORDER BY story_id, version',
    [`${prefix}%`],
  );
  const [{ n: rejected }] = await world.sql<{ n: string }>(
    `SELECT count(*) AS n FROM report_outcomes WHERE story_id LIKE $1 AND status = 'rejected'`,
    [`${prefix}%`],
  );
  const byStory = (list: ReadonlyArray<{ storyId: string; id: string }>) => {
    const m = new Map<string, string[]>();
    for (const x of list) m.set(x.storyId, [...(m.get(x.storyId) ?? []), x.id]);
    return m;
  };
  const wanted = byStory(filed);
  const logged = byStory(rows.map((r) => ({ storyId: r.story_id, id: r.report_id })));
  let orderViolations = 0;
  let storiesOutOfOrder = 0;
  for (const [story, ids] of wanted) {
    const log = logged.get(story) ?? [];
    const wrong = ids.filter((id, i) => log[i] !== id).length;
    orderViolations += wrong;
    if (wrong > 0) storiesOutOfOrder += 1;
  }
  const distinct = new Set(rows.map((r) => r.report_id));
  return {
    reports: filed.length,
    lost: filed.filter((r) => !distinct.has(r.id)).length,
    duplicated: rows.length - distinct.size,
    wrongfulRejections: Number(rejected),
    storiesOutOfOrder,
    orderViolations,
  };
}

const CLEAN = {
  lost: 0,
  duplicated: 0,
  wrongfulRejections: 0,
  storiesOutOfOrder: 0,
  orderViolations: 0,
};

/**
 * Opens a story, freezes `holder` (SIGSTOP) and files 200 posts, which it is handed and holds, then
 * kills it and files an edit of the 200th post and one more post while `survivor` runs.
 */
async function killWhileHolding(
  storyId: string,
  holder: AppProcess,
  survivor: () => Promise<AppProcess>,
): Promise<{ filed: RawReport[]; held: number; settledMs: number }> {
  const opened = report(storyId, `${storyId}-open`, 'story.opened', { title: 'Held' });
  await world.publish([opened]);
  await expectEventually(async () => expect(await decidedCount(storyId)).toBe(1));
  holder.kill('SIGSTOP');
  const posts = Array.from({ length: 200 }, (_, i) => post(storyId, i + 1));
  await world.publish(posts);
  const held = await expectEventually(async () => {
    const n = await ackPending();
    expect(n).toBeGreaterThan(0);
    return n;
  });
  await kill(holder);
  await survivor();
  const started = Date.now();
  const later = [
    report(storyId, `${storyId}-edit200`, 'entry.edited', {
      entryId: 'e200',
      body: '<p>update 200, corrected</p>',
      correction: 'The figure was wrong',
    }),
    post(storyId, 201),
  ];
  await world.publish(later);
  await expectEventually(async () => expect(await decidedCount(storyId)).toBe(203), {
    timeoutMs: 60_000,
  });
  return { filed: [opened, ...posts, ...later], held, settledMs: Date.now() - started };
}

describe('an ingest killed while it holds 200 posts of a story', () => {
  it('decides them first and promptly once restarted, and accepts the edit filed after them', async () => {
    const first = await ingest();
    const run = await killWhileHolding('held-one', first, () => ingest());
    const v = await verdict(run.filed, 'held-one');
    console.log(
      `filing order, one ingest restarted: ${JSON.stringify({ ...v, ...run, filed: undefined })}`,
    );
    expect(v).toMatchObject(CLEAN);
    // Within a few seconds (the default ack wait is 5 s), not after a 30 s ack wait.
    expect(run.settledMs).toBeLessThan(15_000);
    await world.checkLog();
  });
});

describe('two ingests sharing the consumer, one killed while it holds posts', () => {
  it('lets the survivor take over the dead one’s posts promptly and in order', async () => {
    const [doomed, survivor] = await Promise.all([ingest(), ingest()]);
    const run = await killWhileHolding('held-two', doomed, () => Promise.resolve(survivor));
    const v = await verdict(run.filed, 'held-two');
    console.log(
      `filing order, survivor takes over: ${JSON.stringify({ ...v, ...run, filed: undefined })}`,
    );
    expect(v).toMatchObject(CLEAN);
    expect(run.settledMs).toBeLessThan(15_000);
    await world.checkLog();
  });
});

/**
 * A story's reports where each depends on those before it: posts, edits of the latest post, pins, and a
 * close followed by a reopen every ten reports (a post overtaking a reopen would be `story-closed`).
 */
function liveStory(storyId: string, length: number): RawReport[] {
  const out = [report(storyId, `${storyId}-open`, 'story.opened', { title: `Story ${storyId}` })];
  let posted = 0;
  for (let i = 1; i < length; i++) {
    const id = `${storyId}-r${i}`;
    if (i % 10 === 0) out.push(report(storyId, id, 'story.closed', { note: `pause ${i}` }));
    else if (i % 10 === 1 && i > 1) out.push(report(storyId, id, 'story.reopened', {}));
    else if (i % 10 === 5 && posted > 0)
      out.push(
        report(storyId, id, 'entry.edited', { entryId: `e${posted}`, body: `<p>edit ${i}</p>` }),
      );
    else if (i % 10 === 7 && posted > 0)
      out.push(report(storyId, id, 'entry.pinned', { entryId: `e${posted}` }));
    else {
      posted += 1;
      out.push(
        report(storyId, id, 'entry.posted', { entryId: `e${posted}`, body: `<p>post ${i}</p>` }),
      );
    }
  }
  return out;
}

describe('ingests SIGKILLed again and again during a 5,000-report burst over 50 stories', () => {
  it('keeps every story in filing order, rejecting, losing and doubling nothing', async () => {
    const stories = Array.from({ length: 50 }, (_, s) => liveStory(`loop-${s}`, 100));
    const filed: RawReport[] = [];
    for (let i = 0; i < 100; i++) for (const script of stories) filed.push(script[i]);
    // A killed worker's reports come back after 2 s rather than the default 5 s.
    const env = { LIVEFEED_INGEST_BATCH: '100', LIVEFEED_ACK_WAIT_MS: '2000' };
    const workers = await Promise.all([ingest(env), ingest(env)]);
    const chunks = 10;
    const chunkSize = filed.length / chunks;
    let kills = 0;
    for (let c = 0; c < chunks; c++) {
      const before = await decidedCount('loop-');
      await world.publish(filed.slice(c * chunkSize, (c + 1) * chunkSize));
      // Kill mid-stream: once the chunk is being worked on, one of the two dies and comes back.
      await expectEventually(
        async () => expect(await decidedCount('loop-')).toBeGreaterThan(before),
        {
          timeoutMs: 60_000,
        },
      );
      const victim = c % 2;
      await kill(workers[victim]);
      kills += 1;
      workers[victim] = await ingest(env);
    }
    await expectEventually(async () => expect(await decidedCount('loop-')).toBe(filed.length), {
      timeoutMs: 120_000,
    });
    const v = await verdict(filed, 'loop-');
    console.log(`filing order, kill loop: ${JSON.stringify({ ...v, kills, processes: 2 })}`);
    expect(kills).toBe(chunks);
    expect(v).toMatchObject({ reports: 5000, ...CLEAN });
    await world.checkLog();
  });
});
