import { expectEventually, expectThroughout } from '@livefeed/common/testing';
import { ClientHarness, useClientHarness, versionsOf, waitLive } from './testing/client.harness';

const STORY = 'karabakh-day-6';
/** socket.io would wait at least half of this before reconnecting by itself: far beyond every deadline here. */
const SLOW_RECONNECTION = { reconnectionDelay: 60_000, reconnectionDelayMax: 60_000 };

describe('livefeed client, told by the gateway', () => {
  const harness = useClientHarness();

  describe('that a private story was withdrawn (the token expired)', () => {
    beforeEach(() => {
      harness().gateway.seed(STORY, 2, 'private');
      harness().gateway.seed('witness', 1);
      harness().gateway.grants.set('reader-token', [STORY]);
    });

    it('tells the app, keeps the state, and asks nothing more, not even after a reconnection', async () => {
      const client = harness().connect({ token: 'reader-token' });
      const reader = harness().record(client, STORY);
      const witness = harness().record(client, 'witness');
      await waitLive(reader.subscription, 3);
      await waitLive(witness.subscription, 2);

      harness().gateway.revoke(STORY, { keepSending: true });

      await expectEventually(() => expect(reader.subscription.status).toBe('error'));
      expect(reader.errors).toEqual([expect.objectContaining({ code: 'revoked', storyId: STORY })]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
      // The gateway (wrongly) keeps sending: the subscription stopped on its own all the same.
      harness().gateway.post(STORY, 'e3');
      harness().gateway.post('witness', 'e2');
      await expectEventually(() => expect(witness.subscription.version).toBe(3));
      expect(reader.events).toEqual([]);
      expect(reader.subscription.version).toBe(3);

      const asked = harness().gateway.subscribes.length;
      harness().gateway.disconnectAll();
      await expectEventually(() =>
        expect(harness().gateway.subscribes.slice(asked)).toEqual([
          expect.objectContaining({ storyId: 'witness', since: 3 }),
        ]),
      );
      await waitLive(witness.subscription, 3);
      // Every channel subscribes on the same connect, in order: the withdrawn one would have come first.
      expect(
        harness()
          .gateway.subscribes.slice(asked)
          .map((s) => s.storyId),
      ).toEqual(['witness']);
      expect(reader.statuses).toEqual(['connecting', 'catching-up', 'live', 'error']);
      expect(reader.errors).toHaveLength(1);
    });

    it('follows the story again once unsubscribed and subscribed anew', async () => {
      const client = harness().connect({ token: 'reader-token' });
      const first = harness().record(client, STORY);
      await waitLive(first.subscription, 3);
      harness().gateway.revoke(STORY);
      await expectEventually(() => expect(first.subscription.status).toBe('error'));

      first.subscription.unsubscribe();
      const again = harness().record(client, STORY);

      await waitLive(again.subscription, 3);
      expect(again.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('to reconnect elsewhere (the instance is shutting down)', () => {
    it('leaves at once and resumes from the last version, though the connection is still open', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect({ ioOptions: SLOW_RECONNECTION }), STORY);
      await waitLive(reader.subscription, 4);

      harness().gateway.askToReconnect();

      await expectEventually(() => expect(harness().gateway.subscribes).toHaveLength(2));
      const [first, second] = harness().gateway.subscribes;
      expect(second).toMatchObject({ storyId: STORY, since: 4 });
      expect(second.socketId).not.toBe(first.socketId);
      harness().gateway.post(STORY, 'e4');
      harness().gateway.post(STORY, 'e5');
      await waitLive(reader.subscription, 6);
      expect(versionsOf(reader.events)).toEqual([5, 6]);
      expect(reader.statuses).toEqual([
        'connecting',
        'catching-up',
        'live',
        'offline',
        'catching-up',
        'live',
      ]);
      expect(reader.errors).toEqual([]);
    });

    it("does not wait for socket.io's reconnection delay when the instance then closes the connection", async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect({ ioOptions: SLOW_RECONNECTION }), STORY);
      await waitLive(reader.subscription, 4);

      harness().gateway.askToReconnect({ close: true });
      harness().gateway.post(STORY, 'e4');

      await waitLive(reader.subscription, 5);
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 4]);
      expect(versionsOf(reader.events)).toEqual([5]);
    });

    it('retries at once when the first attempt reaches the leaving instance again', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect({ ioOptions: SLOW_RECONNECTION }), STORY);
      await waitLive(reader.subscription, 4);
      // Both transports of the first attempt are refused, as by an instance draining its connections.
      harness().gateway.refusedHandshakes = 2;

      harness().gateway.askToReconnect({ close: true });

      await expectEventually(() => expect(harness().gateway.subscribes).toHaveLength(2));
      await waitLive(reader.subscription, 4);
      expect(harness().gateway.refusedHandshakes).toBe(0);
      expect(harness().gateway.subscribes[1]).toMatchObject({ since: 4 });
      expect(harness().gateway.transports).toEqual(['websocket', 'websocket']);
      expect(reader.errors).toEqual([]);
    });

    it('keeps retrying every 100 ms, not doubling, while the balancer sends it back to the leaving instance', async () => {
      harness().gateway.seed(STORY, 3);
      const ioOptions = { ...SLOW_RECONNECTION, transports: ['websocket'] };
      const reader = harness().record(harness().connect({ ioOptions }), STORY);
      await waitLive(reader.subscription, 4);
      // Eight attempts refused: doubling from 50 ms (jittered by half), they would take 2.3 s at least.
      harness().gateway.refusedHandshakes = 8;

      const askedAt = Date.now();
      harness().gateway.askToReconnect({ close: true });
      await expectEventually(() => expect(harness().gateway.subscribes).toHaveLength(2));

      // Nine attempts of 50-150 ms each.
      expect(Date.now() - askedAt).toBeLessThan(2000);
      expect(harness().gateway.refusedHandshakes).toBe(0);
      await waitLive(reader.subscription, 4);
    });

    it('waits as long as the instance asks', async () => {
      harness().gateway.seed(STORY, 1);
      const reader = harness().record(harness().connect({ ioOptions: SLOW_RECONNECTION }), STORY);
      await waitLive(reader.subscription, 2);

      harness().gateway.askToReconnect({ delayMs: 400 });

      await expectThroughout(() => expect(harness().gateway.subscribes).toHaveLength(1), {
        forMs: 200,
      });
      await expectEventually(() => expect(harness().gateway.subscribes).toHaveLength(2));
      await waitLive(reader.subscription, 2);
    });
  });

  describe('that it cannot subscribe now (unavailable)', () => {
    it('asks again later and goes live, never giving up', async () => {
      harness().gateway.seed(STORY, 2);
      harness().gateway.unavailableSubscribes = 2;
      const reader = harness().record(harness().connect(), STORY);

      await waitLive(reader.subscription, 3);
      expect(reader.errors.map((e) => e.code)).toEqual(['unavailable', 'unavailable']);
      expect(harness().gateway.subscribes).toHaveLength(3);
      expect(reader.statuses).toEqual(['connecting', 'catching-up', 'live']);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });
});

describe('livefeed client transports', () => {
  it('connects over a WebSocket first, so that no sticky sessions are needed', async () => {
    const harness = await ClientHarness.start();
    try {
      harness.gateway.seed(STORY, 1);
      const reader = harness.record(harness.connect(), STORY);
      await waitLive(reader.subscription, 2);
      expect(harness.gateway.transports).toEqual(['websocket']);
    } finally {
      await harness.close();
    }
  });

  it('falls back to long-polling where WebSockets do not get through', async () => {
    const harness = await ClientHarness.start({ transports: ['polling'] });
    try {
      harness.gateway.seed(STORY, 1);
      const reader = harness.record(harness.connect(), STORY);
      await waitLive(reader.subscription, 2);
      harness.gateway.post(STORY, 'e2');
      await waitLive(reader.subscription, 3);
      expect(harness.gateway.transports).toEqual(['polling']);
    } finally {
      await harness.close();
    }
  });
});
