import { expectEventually } from '@livefeed/common/testing';
import { useClientHarness, versionsOf, waitLive } from './testing/client.harness';

const STORY = 'karabakh-day-6';

describe('livefeed client, resuming after the connection was lost', () => {
  const harness = useClientHarness();

  describe('when the gateway closes the connection', () => {
    it('reconnects, asks from the last version and ends like a fresh reader', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 4);

      harness().gateway.disconnectAll();
      harness().gateway.post(STORY, 'e4');
      harness().gateway.post(STORY, 'e5');

      await waitLive(reader.subscription, 6);
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 4]);
      expect(versionsOf(reader.events)).toEqual([5, 6]);
      expect(reader.statuses).toEqual([
        'connecting',
        'catching-up',
        'live',
        'offline',
        'catching-up',
        'live',
      ]);
      expect(reader.subscription.state).toEqual(await harness().freshState(STORY));
    });

    it('resumes every story followed on the connection', async () => {
      harness().gateway.seed(STORY, 1);
      harness().gateway.seed('other', 2);
      const client = harness().connect();
      const first = harness().record(client, STORY);
      const second = harness().record(client, 'other');
      await waitLive(first.subscription, 2);
      await waitLive(second.subscription, 3);

      harness().gateway.disconnectAll();
      harness().gateway.post(STORY, 'e2');
      harness().gateway.post('other', 'e3');

      await waitLive(first.subscription, 3);
      await waitLive(second.subscription, 4);
      expect(harness().gateway.subscribes.slice(2)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ storyId: STORY, since: 2 }),
          expect.objectContaining({ storyId: 'other', since: 3 }),
        ]),
      );
    });
  });

  describe('when its instance dies behind a load balancer that still sends some attempts there', () => {
    it('retries at its first delay while attempts fail, not at doubling ones, and is back within seconds', async () => {
      harness().gateway.seed(STORY, 3);
      // Doubling from 200 ms, seven attempts would take 12.7 s at the least (25 s on average).
      const slowGrowth = {
        transports: ['websocket'],
        reconnectionDelay: 200,
        reconnectionDelayMax: 60_000,
      };
      const reader = harness().record(harness().connect({ ioOptions: slowGrowth }), STORY);
      await waitLive(reader.subscription, 4);
      // The next six attempts reach the dead instance (one handshake each, websocket only).
      harness().gateway.refusedHandshakes = 6;

      const lostAt = Date.now();
      harness().gateway.dropConnections();
      await expectEventually(() => expect(harness().gateway.subscribes).toHaveLength(2), {
        timeoutMs: 6000,
      });

      // Seven attempts of 100-300 ms each.
      expect(Date.now() - lostAt).toBeLessThan(3000);
      expect(harness().gateway.refusedHandshakes).toBe(0);
      expect(harness().gateway.subscribes[1]).toMatchObject({ since: 4 });
      await waitLive(reader.subscription, 4);
    });
  });

  describe('when the gateway process restarts', () => {
    it('is offline meanwhile, then catches up from the last version', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 4);

      await harness().gateway.stop();
      await expectEventually(() => expect(reader.subscription.status).toBe('offline'));
      harness().gateway.post(STORY, 'e4');
      harness().gateway.post(STORY, 'e5');
      await harness().gateway.listen();

      await waitLive(reader.subscription, 6);
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 4]);
      expect(versionsOf(reader.events)).toEqual([5, 6]);
      expect(reader.subscription.state).toEqual(await harness().freshState(STORY));
    });
  });

  describe.each([
    ['before', true],
    ['after', false],
  ])(
    'when the gateway was restored to an older history (ack %s the snapshot)',
    (_order, ackFirst) => {
      it("replaces the state with the gateway's snapshot", async () => {
        harness().gateway.ackFirst = ackFirst;
        harness().gateway.seed(STORY, 3);
        const reader = harness().record(harness().connect(), STORY);
        await waitLive(reader.subscription, 4);

        await harness().gateway.stop();
        harness().gateway.restoreTo(STORY, 2);
        harness().gateway.post(STORY, 'x1');
        await harness().gateway.listen();

        await expectEventually(() =>
          expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY)),
        );
        await waitLive(reader.subscription);
        expect(reader.subscription.version).toBe(3);
        expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 4]);
        expect(reader.subscription.state?.entries.map((e) => e.entryId)).toEqual(['x1', 'e1']);
        expect(reader.subscription.state).toEqual(await harness().freshState(STORY));

        harness().gateway.post(STORY, 'x2');
        await waitLive(reader.subscription, 4);
        expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
      });
    },
  );
});
