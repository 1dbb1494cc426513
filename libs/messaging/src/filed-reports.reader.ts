import { jetstreamManager, type JetStreamManager, type MsgRequest } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from '@livefeed/common';

/** One report as stored on the reports stream. */
export interface FiledReport {
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * Looks at the reports stream itself, whoever holds its messages: the first report filed for a story at
 * or after a sequence. This is how ingest learns that an earlier report of a story is still held by
 * another (or a dead) process. One request per call; calls made together are pipelined.
 */
export class FiledReports {
  private jsm?: Promise<JetStreamManager>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {}

  /** The first report filed for `storyId` with a sequence of `fromSeq` or more, or null if none is stored. */
  async firstFrom(storyId: string, fromSeq: number): Promise<FiledReport | null> {
    this.jsm ??= jetstreamManager(this.nc);
    const jsm = await this.jsm.catch((error: unknown) => {
      this.jsm = undefined;
      throw error;
    });
    // The server (2.9 too) takes `next_by_subj` in STREAM.MSG.GET; nats.js declares it only for direct
    // gets, which would need `allow_direct` on the stream.
    const query = { next_by_subj: this.subjects.reports(storyId), seq: fromSeq };
    const stored = await jsm.streams.getMessage(
      this.subjects.reportsStream,
      query as unknown as MsgRequest,
    );
    return stored ? { seq: stored.seq, data: stored.data } : null;
  }
}
