import fc from 'fast-check';
import type { FiledReport } from '@livefeed/messaging';
import { FilingOrder } from './filing-order.gate';
import { ReceivedSeqs } from './received-seqs.set';

/**
 * The filing gate against a reports stream written out in memory: which of a story's reports may be
 * decided, given what this process received and what the stream holds.
 */

const enc = new TextEncoder();
const VALID = enc.encode('valid');
const INVALID = enc.encode('broken');

/** A reports stream: sequence → story, with the bytes filed. */
class Stream {
  readonly messages = new Map<number, { storyId: string; data: Uint8Array }>();
  lookups = 0;
  failing = false;
  file(seq: number, storyId: string, data = VALID): void {
    this.messages.set(seq, { storyId, data });
  }
  firstFrom(storyId: string, fromSeq: number): Promise<FiledReport | null> {
    this.lookups += 1;
    if (this.failing) return Promise.reject(new Error('NATS is away'));
    const seqs = [...this.messages.keys()].sort((a, b) => a - b);
    for (const seq of seqs) {
      const m = this.messages.get(seq)!;
      if (seq >= fromSeq && m.storyId === storyId) return Promise.resolve({ seq, data: m.data });
    }
    return Promise.resolve(null);
  }
}

function setup() {
  const stream = new Stream();
  const errors: unknown[] = [];
  const filing = new FilingOrder(
    stream,
    (filed) => filed.data === VALID,
    (e) => errors.push(e),
  );
  const admitted = async (storyId: string, lastSeq: number, seqs: number[]) =>
    (await filing.gate([{ storyId, lastSeq, seqs }])).get(storyId);
  return { stream, filing, errors, admitted };
}

describe('FilingOrder', () => {
  describe('when this process received every report since the story last moved', () => {
    it('admits the story’s reports without looking at the stream', async () => {
      const t = setup();
      for (let seq = 1; seq <= 10; seq++) t.filing.delivered(seq, 1);
      expect(await t.admitted('a', 2, [4, 7, 10])).toBe(3);
      expect(t.stream.lookups).toBe(0);
    });
  });

  describe('when a stretch went to another worker', () => {
    it('admits a report once the stream shows no report of its story in the stretch', async () => {
      const t = setup();
      t.stream.file(5, 'b');
      t.stream.file(6, 'b');
      t.stream.file(7, 'a');
      t.filing.delivered(7, 1);
      expect(await t.admitted('a', 2, [7])).toBe(1);
      expect(t.stream.lookups).toBe(1);
    });

    it('holds back a report while an earlier valid one of its story is held elsewhere', async () => {
      const t = setup();
      t.stream.file(5, 'a');
      t.stream.file(7, 'a');
      t.stream.file(8, 'a');
      t.filing.delivered(7, 1);
      t.filing.delivered(8, 1);
      expect(await t.admitted('a', 2, [7, 8])).toBe(0);
    });

    it('admits the prefix before the first report that must wait', async () => {
      const t = setup();
      for (const seq of [3, 4, 9]) t.filing.delivered(seq, 1);
      t.stream.file(3, 'a');
      t.stream.file(4, 'a');
      t.stream.file(6, 'a');
      t.stream.file(9, 'a');
      expect(await t.admitted('a', 2, [3, 4, 9])).toBe(2);
    });

    it('skips invalid reports filed in between: their place changes nothing', async () => {
      const t = setup();
      t.stream.file(4, 'a', INVALID);
      t.stream.file(5, 'a', INVALID);
      t.stream.file(6, 'a');
      t.filing.delivered(6, 1);
      expect(await t.admitted('a', 3, [6])).toBe(1);
    });

    it('admits reports at or before the story’s place (decided, or deferred) at once', async () => {
      const t = setup();
      t.stream.file(1, 'a');
      expect(await t.admitted('a', 9, [4, 9])).toBe(2);
      expect(t.stream.lookups).toBe(0);
    });
  });

  describe('when a report was handed back undecided', () => {
    it('no longer vouches for it: a later report of its story waits for it', async () => {
      const t = setup();
      for (let seq = 1; seq <= 3; seq++) t.filing.delivered(seq, 1);
      t.stream.file(2, 'a');
      t.stream.file(3, 'a');
      t.filing.released(2);
      expect(await t.admitted('a', 1, [3])).toBe(0);
    });

    it('vouches again once it passed on its redelivery', async () => {
      const t = setup();
      for (let seq = 1; seq <= 3; seq++) t.filing.delivered(seq, 1);
      t.filing.released(2);
      t.filing.delivered(2, 2);
      t.filing.passed('a', 2);
      expect(await t.admitted('a', 2, [3])).toBe(1);
      expect(t.stream.lookups).toBe(0);
    });
  });

  it('treats a redelivery as no proof of the stretch before it', async () => {
    const t = setup();
    t.filing.delivered(10, 2);
    t.stream.file(8, 'a');
    t.stream.file(10, 'a');
    expect(await t.admitted('a', 5, [10])).toBe(0);
  });

  it('waits, and says why, when the stream cannot be read', async () => {
    const t = setup();
    t.stream.failing = true;
    expect(await t.admitted('a', 0, [3])).toBe(0);
    expect(t.errors).toHaveLength(1);
  });

  it('answers for every story of the batch', async () => {
    const t = setup();
    for (let seq = 1; seq <= 4; seq++) t.filing.delivered(seq, 1);
    const admitted = await t.filing.gate([
      { storyId: 'a', lastSeq: 0, seqs: [1, 3] },
      { storyId: 'b', lastSeq: 0, seqs: [2, 4] },
    ]);
    expect(admitted).toEqual(
      new Map([
        ['a', 2],
        ['b', 2],
      ]),
    );
  });
});

describe('ReceivedSeqs', () => {
  it('covers exactly the sequences added and not removed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 60 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10 }),
        (ops, from, length) => {
          const seqs = new ReceivedSeqs();
          const model = new Set<number>();
          for (const [add, seq] of ops) {
            if (add) {
              seqs.add(seq);
              model.add(seq);
            } else {
              seqs.remove(seq);
              model.delete(seq);
            }
          }
          const to = from + length - 1;
          let all = true;
          for (let s = from; s <= to; s++) all &&= model.has(s);
          expect(seqs.covers(from, to)).toBe(all);
          expect(seqs.highest).toBe(model.size ? Math.max(...model) : 0);
        },
      ),
    );
  });

  it('forgets the oldest stretches past its bound, never a recent one', () => {
    const seqs = new ReceivedSeqs(2);
    for (const s of [1, 3, 5]) seqs.add(s);
    expect(seqs.covers(1, 1)).toBe(false);
    expect(seqs.covers(3, 3) && seqs.covers(5, 5)).toBe(true);
  });
});
