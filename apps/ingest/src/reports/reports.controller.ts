import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LIMITS, REPORT_ID, STORY_ID } from '@livefeed/domain';
import { EventStore } from '@livefeed/event-store';
import { fieldErrorsOf, HttpError } from '@livefeed/common';
import { IngestMetrics } from '../observability/ingest.metrics';
import { readRawBody } from './raw-body.parser';
import { PublisherAuthGuard } from './publisher-auth.guard';
import { ReportIntake, type IntakeResult } from './report.intake';

const MAX_WAIT_SECONDS = 30;

/**
 * The write API of docs/protocol.md, "HTTP". Thin: it translates HTTP to ReportIntake and back; errors
 * are thrown as {@link HttpError} and written by the app's global error filter.
 */
@Controller('api')
@UseGuards(PublisherAuthGuard)
export class ReportsController {
  constructor(
    private readonly intake: ReportIntake,
    private readonly store: EventStore,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
  ) {}

  @Post('stories/:id/reports')
  async file(
    @Param('id') storyId: string,
    @Query('wait') wait: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!STORY_ID.test(storyId)) {
      throw new HttpError('invalid', `story id must match ${STORY_ID.source}`, [
        { path: 'id', message: `must match ${STORY_ID.source}` },
      ]);
    }
    const waitMs = parseWait(wait);
    const bytes = await readRawBody(req, LIMITS.reportBytes);
    const result = await this.intake.file(storyId, bytes, waitMs);
    this.metrics.httpReports.inc({ status: String(statusOf(result)) });
    if (result.kind === 'invalid') {
      throw new HttpError('invalid', result.message, fieldErrorsOf(result.fields));
    }
    const { kind, reportId, ...outcome } = result;
    res.status(statusOf(result)).json({ reportId, status: kind, ...outcome });
  }

  @Get('reports/:reportId')
  async outcome(@Param('reportId') reportId: string) {
    if (!REPORT_ID.test(reportId)) {
      throw new HttpError('invalid', 'malformed report id', [
        { path: 'reportId', message: `must match ${REPORT_ID.source}` },
      ]);
    }
    return (await this.store.getOutcome(reportId)) ?? { reportId, status: 'unknown' };
  }
}

/** docs/protocol.md, "HTTP": 202 queued, 201 accepted, 422 rejected, 400 invalid. */
function statusOf(result: IntakeResult): number {
  switch (result.kind) {
    case 'queued':
      return 202;
    case 'accepted':
      return 201;
    case 'rejected':
      return 422;
    case 'invalid':
      return 400;
  }
}

function parseWait(wait: unknown): number {
  if (wait === undefined) return 0;
  if (typeof wait !== 'string' || !/^\d+(\.\d+)?$/.test(wait) || Number(wait) > MAX_WAIT_SECONDS) {
    throw new HttpError(
      'invalid',
      `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
      [{ path: 'wait', message: `must be a number from 0 to ${MAX_WAIT_SECONDS}, given once` }],
    );
  }
  return Number(wait) * 1000;
}
