import type { FilingGate, FilingQueue, IncomingReport } from '../event-store.types';
import { at, countRows, openTestStore, r, type TestStore } from '../testing/store.fixture';

/** The store's side of filing order: what it tells the gate, what it records, what it leaves undecided. */

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

const filed = (report: IncomingReport['report'], seq: number): IncomingReport => ({
  report,
  seq,
});

/** A gate that admits as many of each story's reports as the test says, and remembers what it was asked. */
function scriptedGate(admit: Record<string, number>): FilingGate & { asked: FilingQueue[] } {
  const asked: FilingQueue[] = [];
  const gate = (queues: readonly FilingQueue[]) => {
    asked.push(...queues);
    return Promise.resolve(new Map(queues.map((q) => [q.storyId, admit[q.storyId] ?? 0])));
  };
  return Object.assign(gate, { asked });
}

async function placeOf(storyId: string): Promise<number | null> {
  const rows = await t.dataSource.query<Array<{ last_seq: string }>>(
    'SELECT last_seq FROM story_filing WHERE story_id = $1',
    [storyId],
  );
  return rows.length ? Number(rows[0].last_seq) : null;
}

describe('commitBatch with a filing gate', () => {
  it("decides each story's reports in filing order, whatever order they came in", async () => {
    const batch = [
      filed(r.posted('fo-a', 'e1'), 12),
      filed(r.opened('fo-a'), 10),
      filed(r.opened('fo-b'), 11),
    ];
    const results = await t.store.commitBatch(batch, at(1), {
      gate: scriptedGate({ 'fo-a': 2, 'fo-b': 1 }),
    });
    expect(results.map((x) => x.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    const events = await t.store.readEvents('fo-a', 0, 10);
    expect(events.map((e) => e.type)).toEqual(['story.opened', 'entry.posted']);
    expect(await placeOf('fo-a')).toBe(12);
    expect(await placeOf('fo-b')).toBe(11);
  });

  it("tells the gate each story's place, read under its lock, and its sequences in order", async () => {
    const gate = scriptedGate({ 'fo-a': 2 });
    await t.store.commitBatch(
      [filed(r.posted('fo-a', 'e3'), 20), filed(r.posted('fo-a', 'e2'), 15)],
      at(2),
      { gate },
    );
    expect(gate.asked).toEqual([{ storyId: 'fo-a', lastSeq: 12, seqs: [15, 20] }]);
    expect(gate.asked.some((q) => q.storyId === 'fo-new')).toBe(false);
    const fresh = scriptedGate({ 'fo-new': 0 });
    await t.store.commitBatch([filed(r.opened('fo-new'), 30)], at(2), { gate: fresh });
    expect(fresh.asked).toEqual([{ storyId: 'fo-new', lastSeq: 0, seqs: [30] }]);
  });

  it('leaves what the gate holds back undecided and unrecorded, and the place where it was', async () => {
    const post = r.posted('fo-b', 'e1');
    const edit = r.edited('fo-b', 'e1', '<p>later</p>');
    const results = await t.store.commitBatch([filed(post, 40), filed(edit, 41)], at(3), {
      gate: scriptedGate({ 'fo-b': 1 }),
    });
    expect(results.map((x) => x.kind)).toEqual(['accepted', 'waiting']);
    expect(await t.store.getOutcome(edit.id)).toBeNull();
    expect(await placeOf('fo-b')).toBe(40);
    // Its turn comes: decided as if it had never waited.
    const later = await t.store.commitBatch([filed(edit, 41)], at(4), {
      gate: scriptedGate({ 'fo-b': 1 }),
    });
    expect(later).toMatchObject([{ kind: 'accepted', duplicate: false }]);
    expect(await placeOf('fo-b')).toBe(41);
  });

  it('never moves a place back: a report at or before it is decided again (a duplicate now)', async () => {
    const opened = r.opened('fo-c');
    await t.store.commitBatch([filed(opened, 50)], at(5), { gate: scriptedGate({ 'fo-c': 1 }) });
    const again = await t.store.commitBatch([filed(opened, 50)], at(6), {
      gate: scriptedGate({ 'fo-c': 1 }),
    });
    expect(again).toMatchObject([{ kind: 'accepted', duplicate: true }]);
    expect(await placeOf('fo-c')).toBe(50);
  });

  it('writes nothing when the gate admits nothing', async () => {
    const before = await countRows(t.dataSource, 'report_outcomes');
    const results = await t.store.commitBatch([filed(r.opened('fo-d'), 60)], at(7), {
      gate: scriptedGate({}),
    });
    expect(results).toEqual([{ kind: 'waiting' }]);
    expect(await countRows(t.dataSource, 'report_outcomes')).toBe(before);
    expect(await placeOf('fo-d')).toBeNull();
  });
});
