import { jetstream } from '@nats-io/jetstream';
import { FiledReports } from './filed-reports.reader';
import { ensureStreams } from './story.streams';
import { openTestNats, type TestNats } from './testing/nats.fixture';

describe('FiledReports', () => {
  let t: TestNats;
  const seqs: Record<string, number[]> = {};
  beforeAll(async () => {
    t = await openTestNats();
    await ensureStreams(t.nc, t.subjects);
    const js = jetstream(t.nc);
    for (const story of ['a', 'b', 'a', 'c', 'b', 'a']) {
      const ack = await js.publish(t.subjects.reports(story), new TextEncoder().encode(story));
      (seqs[story] ??= []).push(ack.seq);
    }
  });
  afterAll(() => t.close());

  it("finds a story's first report at or after a sequence, whoever holds it", async () => {
    const filed = new FiledReports(t.nc, t.subjects);
    const [a1, a2, a3] = seqs.a;
    expect(await filed.firstFrom('a', a1)).toMatchObject({ seq: a1 });
    const second = await filed.firstFrom('a', a1 + 1);
    expect(second?.seq).toBe(a2);
    expect(new TextDecoder().decode(second?.data)).toBe('a');
    expect((await filed.firstFrom('a', a2 + 1))?.seq).toBe(a3);
  });

  it('answers null past the last report of the story, and for a story never filed', async () => {
    const filed = new FiledReports(t.nc, t.subjects);
    expect(await filed.firstFrom('a', seqs.a[2] + 1)).toBeNull();
    expect(await filed.firstFrom('never', 1)).toBeNull();
  });
});
