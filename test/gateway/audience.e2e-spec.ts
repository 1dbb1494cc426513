import { expectEventually, GatewayHarness, type Reader } from './gateway.harness';

jest.setTimeout(60_000);

const FAST = { audiencePublishMs: 200, audienceEmitMs: 500, audienceExpiryMs: 1500 };

describe('audience counts', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway({}, FAST);
    await h.startGateway({}, FAST);
    await h.story('watched', 1);
  });

  afterAll(async () => {
    await h.close();
  });

  const lastCount = (reader: Reader) => reader.audience('watched').at(-1)?.count;

  it('counts readers across instances, tells everyone when it changes, and forgets a silent instance', async () => {
    const onA = await Promise.all([h.reader(h.gateways[0]), h.reader(h.gateways[0])]);
    const onB = await Promise.all([
      h.reader(h.gateways[1]),
      h.reader(h.gateways[1]),
      h.reader(h.gateways[1]),
    ]);
    const all = [...onA, ...onB];
    await Promise.all(all.map((reader) => reader.subscribe('watched')));
    await expectEventually(() => all.forEach((reader) => expect(lastCount(reader)).toBe(5)));

    for (const reader of onB.slice(1)) reader.close();
    const remaining = [...onA, onB[0]];
    await expectEventually(() => remaining.forEach((reader) => expect(lastCount(reader)).toBe(3)));

    // An instance that announced readers and then fell silent (crashed) stops counting.
    h.nc.publish(
      h.subjects.audience,
      JSON.stringify({ instance: 'crashed-instance', counts: { watched: 10 } }),
    );
    await expectEventually(() => remaining.forEach((reader) => expect(lastCount(reader)).toBe(13)));
    await expectEventually(() => remaining.forEach((reader) => expect(lastCount(reader)).toBe(3)), {
      timeoutMs: 5000,
    });

    // Garbage on the channel changes nothing and breaks nothing.
    h.nc.publish(h.subjects.audience, 'not json');
    h.nc.publish(
      h.subjects.audience,
      JSON.stringify({ instance: 'x', counts: { watched: -5, 'Bad Id': 3 } }),
    );
    h.nc.publish(h.subjects.audience, JSON.stringify([1, 2, 3]));

    for (const reader of remaining) {
      const times = reader.audience('watched').map((m) => m.at);
      for (let i = 1; i < times.length; i += 1)
        expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(FAST.audienceEmitMs - 100);
      const counts = reader.audience('watched').map((m) => m.count);
      for (let i = 1; i < counts.length; i += 1) expect(counts[i]).not.toBe(counts[i - 1]);
    }
    const late = await h.reader(h.gateways[1]);
    await late.subscribe('watched');
    await expectEventually(() => expect(lastCount(late)).toBe(4));
  });
});
