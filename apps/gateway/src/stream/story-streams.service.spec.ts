import type { StoryEvent } from '@livefeed/domain';
import { defaultGatewayOptions } from '../config/gateway.options';
import type { StoreReads } from '../infra/store-reads.repository';
import type { Logger } from '../logging/logger.token';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import type { SocketHub } from '../push/socket.hub';
import { StoryStream } from './story.stream';
import { StoryStreamsService } from './story-streams.service';

function eventAt(storyId: string, version: number): StoryEvent {
  return {
    storyId,
    version,
    type: 'entry.posted',
    data: { entryId: `e${version}`, body: `<p>${version}</p>`, kind: 'update' },
    reportId: `rpt-${storyId}-${version}`,
    author: 'desk:caucasus',
    occurredAt: '2026-11-24T08:15:00.000Z',
    recordedAt: '2026-11-24T08:15:00.412Z',
  } as StoryEvent;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('the story streams of a gateway', () => {
  let service: StoryStreamsService;
  let offered: { storyId: string; versions: number[] }[];

  beforeEach(() => {
    offered = [];
    jest.spyOn(StoryStream.prototype, 'offer').mockImplementation(function (
      this: StoryStream,
      events: readonly StoryEvent[],
    ) {
      offered.push({ storyId: this.storyId, versions: events.map((e) => e.version) });
    });
    service = new StoryStreamsService(
      {} as StoreReads,
      {} as SocketHub,
      new GatewayMetrics(),
      defaultGatewayOptions(),
      { LIVEFEED_GATEWAY_CACHE_EVENTS: 1000 } as never,
      { warn: () => undefined, debug: () => undefined } as unknown as Logger,
    );
  });
  afterEach(() => {
    service.close();
    jest.restoreAllMocks();
  });

  it('hands each story the live events that arrived in one turn of the event loop together', async () => {
    for (const [storyId, version] of [
      ['day-6', 7],
      ['day-7', 2],
      ['day-6', 8],
      ['day-6', 9],
      ['day-7', 3],
    ] as const)
      service.offer(eventAt(storyId, version));
    expect(offered).toEqual([]);

    await nextTurn();
    expect(offered).toEqual([
      { storyId: 'day-6', versions: [7, 8, 9] },
      { storyId: 'day-7', versions: [2, 3] },
    ]);

    service.offer(eventAt('day-6', 10));
    await nextTurn();
    expect(offered.at(-1)).toEqual({ storyId: 'day-6', versions: [10] });
  });

  it('drops what is still waiting when it closes', async () => {
    service.offer(eventAt('day-6', 7));
    service.close();
    await nextTurn();
    expect(offered).toEqual([]);
  });
});
