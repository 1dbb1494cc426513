import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics, on a registry of its own (two instances may share a process in
 * tests, and the global registry would mix them up).
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly connectedSockets = new Gauge({
    name: 'livefeed_gateway_connected_sockets',
    help: 'Connected socket.io clients',
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: 'livefeed_gateway_subscriptions',
    help: 'Active story subscriptions',
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'livefeed_gateway_deliveries_total',
    help: 'Messages pushed: live events per room broadcast (fanout counts sockets), catch-up events and snapshots per socket',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly fanout = new Counter({
    name: 'livefeed_gateway_fanout_total',
    help: 'Live events times the sockets they were broadcast to',
    registers: [this.registry],
  });
  readonly catchUps = new Histogram({
    name: 'livefeed_gateway_catchup_events',
    help: 'Events sent to one subscriber as its catch-up, by where they came from',
    labelNames: ['source'] as const,
    buckets: [0, 1, 10, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });
  readonly databaseReads = new Counter({
    name: 'livefeed_gateway_database_reads_total',
    help: 'Queries the gateway sent to PostgreSQL, by purpose',
    labelNames: ['query'] as const,
    registers: [this.registry],
  });
  readonly publishToEmit = new Histogram({
    name: 'livefeed_gateway_publish_to_emit_seconds',
    help: 'From an event being recorded (recordedAt) to this gateway emitting it live',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly slowConsumerDisconnects = new Counter({
    name: 'livefeed_gateway_slow_consumer_disconnects_total',
    help: 'Sockets disconnected because too many bytes waited to be written to them',
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: 'livefeed_gateway_disconnects_total',
    help: "Sockets gone, by socket.io's reason (ping timeout, transport close, client namespace disconnect, ...)",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly cachedStories = new Gauge({
    name: 'livefeed_gateway_cached_stories',
    help: 'Stories with a cursor in memory',
    registers: [this.registry],
  });
  readonly cachedEvents = new Gauge({
    name: 'livefeed_gateway_cached_events',
    help: 'Events held for catch-ups',
    registers: [this.registry],
  });
  readonly refusedSubscribes = new Counter({
    name: 'livefeed_gateway_refused_subscribes_total',
    help: 'Subscribe requests answered with an error, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    if (processMetrics)
      collectDefaultMetrics({ register: this.registry, prefix: 'livefeed_gateway_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
