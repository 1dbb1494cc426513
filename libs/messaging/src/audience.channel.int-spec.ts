import { expectEventually } from '@livefeed/common/testing';
import { AudienceChannel } from './audience.channel';
import { openTestNats, type TestNats } from './testing/nats.fixture';

describe('AudienceChannel', () => {
  let t: TestNats;
  beforeEach(async () => {
    t = await openTestNats();
  });
  afterEach(() => t.close());

  it('shares a payload from one gateway instance with the others', async () => {
    const other = await t.connect('gateway-2');
    const received: unknown[] = [];
    const unsubscribe = new AudienceChannel(other, t.subjects).subscribe((payload) =>
      received.push(payload),
    );
    await other.flush();

    new AudienceChannel(t.nc, t.subjects).publish({ instance: 'gw-1', stories: { 'story-a': 3 } });

    await expectEventually(() =>
      expect(received).toEqual([{ instance: 'gw-1', stories: { 'story-a': 3 } }]),
    );
    unsubscribe();
  });

  it('drops an unparseable payload and reports it', async () => {
    const errors: Error[] = [];
    const received: unknown[] = [];
    const channel = new AudienceChannel(t.nc, t.subjects, { onError: (e) => errors.push(e) });
    channel.subscribe((payload) => received.push(payload));
    await t.nc.flush();

    t.nc.publish(t.subjects.audience, 'not json');
    channel.publish({ n: 1 });

    await expectEventually(() => expect(received).toEqual([{ n: 1 }]));
    expect(errors).toHaveLength(1);
  });
});
