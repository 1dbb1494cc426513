/**
 * bench/fanout — live push from publish to the reader's socket, on this machine, with the ingest
 * and gateway apps as real processes against real NATS and PostgreSQL, beside a plain socket.io
 * server (bench/fanout/baseline-server.ts, no livefeed code) measured in the same run.
 *
 *   npx nest build ingest && npx nest build gateway
 *   npx tsx bench/fanout/fanout.bench.ts [--subscribers=2000] [--rate=20] [--seconds=10]
 *     [--warmup=0] [--stories=100] [--spreadRate=<rate>] [--idle=5000] [--storm=5000] [--stormVersion=300]
 *     [--stormSpreadMs=0] [--stormWaitSeconds=30] [--workers=4] [--connectConcurrency=50]
 *     [--satStart=25] [--satFactor=1.5] [--satSteps=6] [--satSeconds=4] [--client=lean|raw|sio]
 *     [--scenarios=memory,one,spread,saturation,storm,resubscribe] [--baseline=1] [--baselineBacklog=4096]
 *     [--gc=1] [--profile=0] [--deadline=420] [--ingestEntry=<main.js>] [--gatewayEntry=<main.js>]
 *   npx tsx bench/fanout/fanout.bench.ts --quick   # every scenario shrunk: a check that it runs (~1 min)
 *
 * Scenarios, livefeed then baseline back to back (so both see the same machine):
 * - `memory`: gateway RSS and heap (its /metrics) per subscribed socket that receives nothing, each
 *   reading after a full GC: the gateway runs with `--inspect=127.0.0.1:0` and the bench asks V8
 *   for a collection over the inspector protocol (`--gc=0`: no GC, medians). Two rounds of `idle`
 *   sockets: the first on the fresh server, then as many more with the first still connected; the
 *   second is the figure judged (what each more reader costs), the first is reported beside it.
 * - `one`: `subscribers` sockets on one story, `rate` updates/s for `seconds`: deliveries/s and
 *   publish→receive latency. Livefeed updates are `entry.posted` reports published to JetStream
 *   with id `<marker>:<seq>:<publish epoch ms>`; the baseline emits events of the same shape and
 *   size stamped with their emit time. The bench also times each report to its event on
 *   `<root>.events.*` (publish→committed), which splits livefeed's latency into ingest and gateway.
 * - `spread`: the same number of sockets over `stories` stories, every story at `spreadRate`
 *   updates/s (default `rate`: every socket still receives `rate` events/s, deliveries/s compare
 *   with `one`, and ingest takes `stories × rate` reports/s).
 *   Both report publish→receive by the second each update was published in, as the load starts
 *   from nothing; `--warmup=<s>` first runs the same load for that long unmeasured (0 by default:
 *   the figures and the targets are from a cold start).
 * - `saturation`: `one`'s layout at `satStart × satFactor^k` updates/s, `satSeconds` per step,
 *   until two steps in a row achieve < 85 % of their offered rate (or a socket is dropped). Max
 *   deliveries/s = the best rate a step achieved (an overloaded step delivers at capacity,
 *   backlog included); "kept up" = ≥ 95 % delivered within 3 s, p99 ≤ 1 s, no drops.
 * - `storm`: `storm` sockets holding random versions 0..stormVersion of a story this gateway has
 *   never served (it starts after the stories are filed) connect and subscribe with `since` all at
 *   once, retrying failed connections like socket.io-client (1 s doubling to 5 s, ±50 %): time
 *   until every socket holds the head; gaps, repeats, events received against events owed. The
 *   baseline serves the same catch-up (the same events, one emit each) from memory.
 * - `resubscribe`: the same, but the sockets connect first (no listen-queue trouble) and then all
 *   subscribe with `since` at the same moment: the catch-up work alone.
 *
 * Load: `workers` processes (client-worker.ts) share the sockets. CPU time of every process over
 * each window is reported (% of one core), with the machine's total, to show what saturated.
 * `--profile=1` also samples the gateway's CPU over each livefeed scenario (V8 profiler over the
 * inspector; <tmpdir>/livefeed-fanout/fanout-gateway-<scenario>.cpuprofile, summarised in the
 * report) and
 * the heap retained per idle subscriber by allocation site.
 *
 * Read the baseline column knowing that the baseline pays neither for ingest, NATS and PostgreSQL
 * (which share the same cores with livefeed's gateway) nor for the wait before an event reaches the
 * gateway: its latency starts at its own emit.
 *
 * Everything runs on 127.0.0.1; the database and both streams are deleted at the end.
 *
 * Files: params.ts (flags, `--quick`, targets), setup.ts (the apps, the baseline server, the client
 * workers, the setup stories), scenarios/ (one file per scenario, run in order by
 * scenarios/index.ts), window.ts (one timed load window), filing.ts (filing reports on NATS),
 * report.ts + report-rows.ts (the JSON and the markdown), harness/ (process and inspector
 * plumbing), client-worker.ts and baseline-server.ts (the child processes), protocol.ts (their IPC).
 */
import { round } from './harness/util';
import { P } from './params';
import { wallClock } from './protocol';
import { report } from './report';
import { runScenarios } from './scenarios';
import { Cleanups, setUp } from './setup';

async function main(): Promise<void> {
  const began = wallClock();
  const cleanups = new Cleanups(P.deadline);
  try {
    const bench = await setUp(cleanups);
    const { results, profiles } = await runScenarios(bench.ctx, bench.systems);
    cleanups.disarm();
    const { logged, health } = await bench.finish();
    await cleanups.run();
    report(results, {
      logged,
      health,
      profiles,
      seconds: round((wallClock() - began) / 1000),
      load: bench.load,
      nats: bench.nats,
    });
  } finally {
    cleanups.disarm();
    await cleanups.run();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
