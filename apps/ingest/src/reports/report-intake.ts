import { Inject, Injectable } from '@nestjs/common';
import { parseReportBytes } from '@livefeed/domain';
import { ReportPublisher } from '@livefeed/messaging';
import { IngestMetrics } from '../observability/ingest.metrics';
import { OutcomeWaiter } from './outcome-waiter';

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The write API's logic: validate before anything reaches NATS, publish to the reports stream
 * (deduplicated by report id), and, when asked to wait, answer with the recorded outcome.
 */
@Injectable()
export class ReportIntake {
  constructor(
    private readonly publisher: ReportPublisher,
    private readonly waiter: OutcomeWaiter,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
  ) {}

  async file(storyId: string, bytes: Uint8Array, waitMs: number): Promise<HttpAnswer> {
    const answer = await this.decideAnswer(storyId, bytes, waitMs);
    this.metrics.httpReports.inc({ status: String(answer.status) });
    return answer;
  }

  private async decideAnswer(
    storyId: string,
    bytes: Uint8Array,
    waitMs: number,
  ): Promise<HttpAnswer> {
    const parsed = parseReportBytes(bytes, {
      subjectStoryId: storyId,
      impliedStoryId: storyId,
      fallbackId: 'http',
    });
    if (!parsed.ok) {
      const { message, fields } = parsed.rejection;
      return {
        status: 400,
        body: { statusCode: 400, error: 'invalid', message, fields: fields ?? {} },
      };
    }
    const report = parsed.report;
    // What is published is the validated report with its story id filled in.
    const body = Buffer.from(JSON.stringify(report));
    const outcome = waitMs > 0 ? this.waiter.wait(report.id, waitMs) : null;
    const { seq } = await this.publisher.publishReport(storyId, body, report.id);
    const decided = outcome ? await outcome : null;
    if (decided?.status === 'accepted') {
      return {
        status: 201,
        body: { reportId: report.id, status: 'accepted', version: decided.version },
      };
    }
    if (decided?.status === 'rejected') {
      return {
        status: 422,
        body: {
          reportId: report.id,
          status: 'rejected',
          code: decided.code,
          message: decided.message,
        },
      };
    }
    return { status: 202, body: { reportId: report.id, status: 'queued', seq } };
  }
}
