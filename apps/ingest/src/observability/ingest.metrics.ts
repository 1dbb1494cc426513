import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The ingest app's Prometheus metrics, on a registry of its own (served at /metrics). */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'livefeed_reports_received_total',
    help: 'Report messages taken from JetStream (redeliveries included)',
    registers: [this.registry],
  });
  readonly accepted = new Counter({
    name: 'livefeed_reports_accepted_total',
    help: 'Reports that became events',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'livefeed_reports_rejected_total',
    help: 'Reports rejected, by rejection code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly deferred = new Counter({
    name: 'livefeed_reports_deferred_total',
    help: 'Reports naming an entry not posted yet, put back for a later attempt',
    registers: [this.registry],
  });
  readonly waiting = new Counter({
    name: 'livefeed_reports_waiting_total',
    help: 'Reports put back because a report of their story filed before them was not decided yet',
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'livefeed_ingest_batch_size',
    help: 'Reports per consumer batch',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'livefeed_ingest_commit_seconds',
    help: 'Time to decide, append, project and record one batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly snapshotsWritten = new Counter({
    name: 'livefeed_snapshots_written_total',
    help: 'Story states stored beside the log after commits (one every LIVEFEED_SNAPSHOT_EVERY events)',
    registers: [this.registry],
  });
  readonly httpReports = new Counter({
    name: 'livefeed_http_reports_total',
    help: 'Reports posted to the write API, by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor(pending: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'livefeed_consumer_pending',
      help: 'Reports waiting in the durable consumer (pending + unacknowledged)',
      registers: [this.registry],
      async collect() {
        try {
          this.set(await pending());
        } catch {
          // NATS unreachable: leave the last value; /health reports the outage.
        }
      },
    });
  }
}
