import { expectEventually } from '@livefeed/common/testing';
import { io } from 'socket.io-client';
import { LivefeedError } from './livefeed.error';
import { useClientHarness, versionsOf, waitLive } from './testing/client.harness';

const STORY = 'karabakh-day-6';

describe('livefeed client', () => {
  const harness = useClientHarness();

  describe('when a reader subscribes fresh', () => {
    it('shows the snapshot, then folds each new event into it', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 4);
      expect(reader.states).toEqual([{ state: harness().gateway.stateOf(STORY), event: null }]);

      const posted = [harness().gateway.post(STORY, 'e4'), harness().gateway.post(STORY, 'e5')];

      await expectEventually(() => expect(reader.subscription.version).toBe(6));
      expect(reader.events).toEqual(posted);
      expect(reader.states.map((s) => s.event)).toEqual([null, ...posted]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
      expect(reader.subscription.state?.entries.map((e) => e.entryId)).toEqual([
        'e5',
        'e4',
        'e3',
        'e2',
        'e1',
      ]);
    });

    it('is live only once the acknowledged version is reached, whichever comes first', async () => {
      harness().gateway.ackFirst = false;
      harness().gateway.seed(STORY, 2);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 3);
      expect(reader.statuses).toEqual(['connecting', 'catching-up', 'live']);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });

    it('tells how many readers watch the story', async () => {
      harness().gateway.seed(STORY, 1);
      const first = harness().record(harness().connect(), STORY);
      await waitLive(first.subscription);
      const second = harness().record(harness().connect(), STORY);
      await waitLive(second.subscription);
      await expectEventually(() => expect(first.subscription.audience).toBe(2));
      expect(first.audience).toEqual([1, 2]);
    });
  });

  describe('when a live event overtakes the snapshot', () => {
    it('keeps it and applies it after the snapshot', async () => {
      harness().gateway.liveOvertakesSnapshot = true;
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect(), STORY);

      await waitLive(reader.subscription, 4);
      expect(reader.states.map((s) => s.event?.version ?? null)).toEqual([null, 4]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('when the gateway repeats events', () => {
    it('applies each version once', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 4);

      harness().gateway.fault('duplicate', 'resend-all');
      harness().gateway.post(STORY, 'e4');
      harness().gateway.post(STORY, 'e5');
      harness().gateway.post(STORY, 'e6');

      await expectEventually(() => expect(reader.subscription.version).toBe(7));
      expect(versionsOf(reader.events)).toEqual([5, 6, 7]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('when an event goes missing', () => {
    it('asks again from the version it holds and ends with the whole story', async () => {
      harness().gateway.seed(STORY, 3);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 4);

      harness().gateway.fault('drop');
      harness().gateway.post(STORY, 'e4');
      harness().gateway.post(STORY, 'e5');

      await expectEventually(() => expect(reader.subscription.version).toBe(6));
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 4]);
      expect(versionsOf(reader.events)).toEqual([5, 6]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
      await waitLive(reader.subscription, 6);
      expect(reader.statuses).toEqual(['connecting', 'catching-up', 'live', 'catching-up', 'live']);
    });

    it('asks only once while the catch-up is on its way', async () => {
      harness().gateway.seed(STORY, 1);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 2);

      harness().gateway.fault('drop');
      for (const id of ['e2', 'e3', 'e4', 'e5']) harness().gateway.post(STORY, id);

      await expectEventually(() => expect(reader.subscription.version).toBe(6));
      expect(versionsOf(reader.events)).toEqual([3, 4, 5, 6]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
      // e4 and e5 arrive live before the answer to the re-subscribe: they must not trigger more.
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 2]);
    });
  });

  describe('when an event cannot be folded', () => {
    it('reports it and takes a fresh snapshot', async () => {
      harness().gateway.seed(STORY, 1);
      const reader = harness().record(harness().connect(), STORY);
      await waitLive(reader.subscription, 2);

      harness().gateway.fault('unknown-type');
      harness().gateway.post(STORY, 'e2');

      await waitLive(reader.subscription, 3);
      expect(reader.errors.map((e) => e.code)).toEqual(['diverged']);
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, undefined]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('when the gateway does not acknowledge a subscribe', () => {
    it('asks again after the timeout', async () => {
      harness().gateway.unansweredSubscribes = 1;
      harness().gateway.seed(STORY, 1);
      const reader = harness().record(harness().connect({ ackTimeoutMs: 100 }), STORY);

      await waitLive(reader.subscription, 2);
      expect(reader.errors.map((e) => e.code)).toEqual(['timeout']);
      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([undefined, 2]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('when the gateway refuses the connection', () => {
    it('reports connect-failed', async () => {
      harness().gateway.refuseHandshakes = true;
      const reader = harness().record(harness().connect(), STORY);
      await expectEventually(() => expect(reader.subscription.status).toBe('error'));
      expect(reader.errors).toEqual([
        expect.objectContaining({ code: 'connect-failed', message: 'unauthorized' }),
      ]);
    });
  });

  describe('when a reader unsubscribes', () => {
    it('hears nothing more of the story, even if the gateway keeps sending', async () => {
      harness().gateway.ignoreUnsubscribe = true;
      harness().gateway.seed(STORY, 1);
      harness().gateway.seed('witness', 1);
      const client = harness().connect();
      const reader = harness().record(client, STORY);
      const witness = harness().record(client, 'witness');
      await waitLive(reader.subscription, 2);
      await waitLive(witness.subscription, 2);
      await expectEventually(() => expect(reader.audience).toEqual([1]));
      const told = JSON.stringify(reader);

      reader.subscription.unsubscribe();
      await expectEventually(() =>
        expect(harness().gateway.unsubscribes).toMatchObject([{ storyId: STORY }]),
      );
      harness().gateway.post(STORY, 'e2');
      harness().gateway.post('witness', 'e2');

      // Same socket, so STORY's event arrived before the witness's.
      await expectEventually(() => expect(witness.subscription.version).toBe(3));
      expect(JSON.stringify(reader)).toBe(told);
      expect(reader.subscription.version).toBe(2);
    });

    it('keeps the story for another subscriber of the same client', async () => {
      harness().gateway.seed(STORY, 1);
      const client = harness().connect();
      const first = harness().record(client, STORY);
      await waitLive(first.subscription, 2);
      const second = harness().record(client, STORY);
      await expectEventually(() => expect(second.states).toHaveLength(1));
      expect(second.statuses).toEqual(['live']);

      first.subscription.unsubscribe();
      harness().gateway.post(STORY, 'e2');

      await expectEventually(() => expect(second.subscription.version).toBe(3));
      expect(harness().gateway.subscribes).toHaveLength(1);
      expect(harness().gateway.unsubscribes).toHaveLength(0);
      expect(first.events).toEqual([]);
    });
  });

  describe('when the story is private', () => {
    beforeEach(() => {
      harness().gateway.seed(STORY, 1, 'private');
      harness().gateway.grants.set('reader-token', [STORY]);
    });

    it('is refused without a token', async () => {
      const reader = harness().record(harness().connect(), STORY);
      await expectEventually(() => expect(reader.subscription.status).toBe('error'));
      expect(reader.errors).toEqual([
        expect.objectContaining({ code: 'forbidden', storyId: STORY }),
      ]);
      expect(reader.errors[0]).toBeInstanceOf(LivefeedError);
      expect(reader.subscription.state).toBeNull();
    });

    it('is followed with a token that grants it', async () => {
      const reader = harness().record(harness().connect({ token: 'reader-token' }), STORY);
      await waitLive(reader.subscription, 2);
      expect(reader.subscription.state?.visibility).toBe('private');
    });

    it('is followed with a token handed out on connection', async () => {
      const reader = harness().record(
        harness().connect({ token: async () => 'reader-token' }),
        STORY,
      );
      await waitLive(reader.subscription, 2);
    });
  });

  describe('when the story does not exist', () => {
    it('reports not-found', async () => {
      const reader = harness().record(harness().connect(), 'no-such-story');
      await expectEventually(() => expect(reader.subscription.status).toBe('error'));
      expect(reader.errors.map((e) => e.code)).toEqual(['not-found']);
    });
  });

  describe('when the page already holds a state', () => {
    it('receives only what came after it', async () => {
      harness().gateway.seed(STORY, 3);
      const rendered = harness().gateway.stateOf(STORY)!;
      harness().gateway.post(STORY, 'e4');

      const reader = harness().record(harness().connect(), STORY, { initialState: rendered });
      await waitLive(reader.subscription, 5);

      expect(harness().gateway.subscribes.map((s) => s.since)).toEqual([4]);
      expect(reader.states.map((s) => s.event?.version ?? null)).toEqual([null, 5]);
      expect(reader.subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('when a handler throws', () => {
    it('reports it and keeps folding', async () => {
      harness().gateway.seed(STORY, 1);
      const errors: LivefeedError[] = [];
      const subscription = harness()
        .connect()
        .subscribe(STORY, {
          onEvent: () => {
            throw new Error('render failed');
          },
          onError: (error) => errors.push(error),
        });
      await waitLive(subscription, 2);
      harness().gateway.post(STORY, 'e2');
      harness().gateway.post(STORY, 'e3');
      await expectEventually(() => expect(subscription.version).toBe(4));
      expect(errors.map((e) => e.code)).toEqual(['handler-failed', 'handler-failed']);
      expect(subscription.state).toEqual(harness().gateway.stateOf(STORY));
    });
  });

  describe('with an injected socket', () => {
    it('uses it and leaves it connected on close', async () => {
      harness().gateway.seed(STORY, 1);
      const socket = io(harness().gateway.url, { transports: ['websocket'] });
      try {
        const client = harness().connect({ socket });
        const reader = harness().record(client, STORY);
        await waitLive(reader.subscription, 2);
        client.close();
        await expectEventually(() => expect(harness().gateway.unsubscribes).toHaveLength(1));
        expect(socket.connected).toBe(true);
        expect(() => client.subscribe(STORY)).toThrow(LivefeedError);
      } finally {
        socket.disconnect();
      }
    });
  });
});
