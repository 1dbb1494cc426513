import type { NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';
import { ReportPublisher } from '../story.publishers';

const encoder = new TextEncoder();

/** Publishes `count` small reports (`<prefix>-<i>`) pipelined; resolves with their ids in order. */
export async function publishReports(
  nc: NatsConnection,
  subjects: Subjects,
  count: number,
  prefix = 'rpt',
): Promise<string[]> {
  const publisher = new ReportPublisher(nc, subjects);
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  // Chunks keep the number of outstanding acks (and their timers) reasonable for large counts.
  for (let from = 0; from < ids.length; from += 5_000) {
    await Promise.all(
      ids.slice(from, from + 5_000).map((id, i) => {
        const storyId = `story-${(from + i) % 20}`;
        const body = {
          id,
          storyId,
          type: 'entry.posted',
          author: 'desk:test',
          data: { entryId: `e${from + i}`, body: '<p>x</p>' },
        };
        return publisher.publishReport(storyId, encoder.encode(JSON.stringify(body)), id);
      }),
    );
  }
  return ids;
}

/** The report id inside a test report's JSON body. */
export function reportId(data: Uint8Array): string {
  return (JSON.parse(new TextDecoder().decode(data)) as { id: string }).id;
}
