import { Injectable } from '@nestjs/common';
import { parseReportBytes, type RejectionCode } from '@livefeed/domain';
import { ReportPublisher } from '@livefeed/messaging';
import { OutcomeWaiter } from './outcome.waiter';

/** What became of a report filed over HTTP; the controller picks the status of each. */
export type IntakeResult =
  | {
      readonly kind: 'invalid';
      readonly message: string;
      readonly fields?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'queued'; readonly reportId: string; readonly seq: number }
  // Optional as in a recorded outcome; the store's checks make them present.
  | { readonly kind: 'accepted'; readonly reportId: string; readonly version?: number }
  | {
      readonly kind: 'rejected';
      readonly reportId: string;
      readonly code?: RejectionCode;
      readonly message?: string;
    };

/**
 * The write API's logic: validate before anything reaches NATS, publish to the reports stream
 * (deduplicated by report id), and, when asked to wait, tell the recorded outcome.
 */
@Injectable()
export class ReportIntake {
  constructor(
    private readonly publisher: ReportPublisher,
    private readonly waiter: OutcomeWaiter,
  ) {}

  async file(storyId: string, bytes: Uint8Array, waitMs: number): Promise<IntakeResult> {
    const parsed = parseReportBytes(bytes, {
      subjectStoryId: storyId,
      impliedStoryId: storyId,
      fallbackId: 'http',
    });
    if (!parsed.ok) {
      const { message, fields } = parsed.rejection;
      return { kind: 'invalid', message, fields };
    }
    const report = parsed.report;
    // What is published is the validated report with its story id filled in.
    const body = Buffer.from(JSON.stringify(report));
    const outcome = waitMs > 0 ? this.waiter.wait(report.id, waitMs) : null;
    const { seq } = await this.publisher.publishReport(storyId, body, report.id);
    const decided = outcome ? await outcome : null;
    if (decided?.status === 'accepted') {
      return { kind: 'accepted', reportId: report.id, version: decided.version };
    }
    if (decided?.status === 'rejected') {
      return {
        kind: 'rejected',
        reportId: report.id,
        code: decided.code,
        message: decided.message,
      };
    }
    return { kind: 'queued', reportId: report.id, seq };
  }
}
