import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { ReportConsumer } from '@livefeed/messaging';
import { LOGGER } from '../ingest.tokens';
import { OutcomeWaiter } from './outcome.waiter';
import { ReportPipeline } from './report.pipeline';

/** Starts taking reports once the app is up; on shutdown stops fetching and finishes the batch. */
@Injectable()
export class ConsumerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly consumer: ReportConsumer,
    private readonly waiter: OutcomeWaiter,
    private readonly pipeline: ReportPipeline,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.waiter.start();
    await this.consumer.start();
    this.log.info('consuming reports');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.pipeline.drain();
    this.waiter.stop();
    this.log.info('consumer stopped after its last batch');
  }
}
