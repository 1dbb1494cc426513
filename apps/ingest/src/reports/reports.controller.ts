import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { LIMITS, REPORT_ID, STORY_ID } from '@livefeed/domain';
import { EventStore } from '@livefeed/event-store';
import { readRawBody } from './raw-body';
import { PublisherAuthGuard } from './publisher-auth.guard';
import { ReportIntake } from './report-intake';

const MAX_WAIT_SECONDS = 30;

/** The write API of CONTRACT section 5. Thin: it translates HTTP to ReportIntake and back. */
@Controller('api')
export class ReportsController {
  constructor(
    private readonly intake: ReportIntake,
    private readonly store: EventStore,
  ) {}

  @Post('stories/:id/reports')
  @UseGuards(PublisherAuthGuard)
  async file(
    @Param('id') storyId: string,
    @Query('wait') wait: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!STORY_ID.test(storyId)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'invalid',
        message: `story id ${JSON.stringify(storyId)} must match ${STORY_ID.source}`,
      });
    }
    const waitMs = parseWait(wait);
    const bytes = await readRawBody(req, LIMITS.reportBytes);
    const answer = await this.intake.file(storyId, bytes, waitMs);
    res.status(answer.status).json(answer.body);
  }

  @Get('reports/:reportId')
  @HttpCode(200)
  async outcome(@Param('reportId') reportId: string) {
    if (!REPORT_ID.test(reportId)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'invalid',
        message: 'malformed report id',
      });
    }
    return (await this.store.getOutcome(reportId)) ?? { reportId, status: 'unknown' };
  }
}

function parseWait(wait: unknown): number {
  if (wait === undefined) return 0;
  if (typeof wait !== 'string' || !/^\d+(\.\d+)?$/.test(wait) || Number(wait) > MAX_WAIT_SECONDS) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'invalid',
      message: `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
      fields: { wait: 'must be a number from 0 to 30' },
    });
  }
  return Number(wait) * 1000;
}
