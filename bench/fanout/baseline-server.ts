/**
 * The baseline of bench/fanout: a plain socket.io server with no livefeed code, in a process of
 * its own. It speaks just enough of docs/protocol.md, "Live push" for the same client workers — `subscribe`
 * with an ack joins the story's room and gets a `snapshot`; `event`s are broadcast to the room —
 * and, on command, broadcasts events shaped and sized like livefeed's at a fixed rate, stamping
 * each with its emit time the way the bench stamps report ids with their publish time.
 *
 * Started with `--expose-gc` so that memory readings can be taken after a full collection.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import {
  type BaselineCommand,
  type BaselineReply,
  type StoredEvent,
  stampId,
  wallClock,
} from './protocol';

/** Listen backlog: the gateway's (4096, its `listenBacklog`) unless the bench says otherwise. */
const BACKLOG = Number(process.argv[2] ?? 4096);
const http = createServer();
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 16 * 1024 });
const versions = new Map<string, number>();
const room = (storyId: string) => `live:${storyId}`;
const reply = (message: BaselineReply) => process.send?.(message);

/** Seeded event logs: a `subscribe` with `since` is caught up from here, one emit per event. */
const logs = new Map<string, readonly StoredEvent[]>();

io.on('connection', (socket) => {
  socket.on('subscribe', (body: unknown, ack: unknown) => {
    if (typeof ack !== 'function') return;
    const request = (typeof body === 'object' && body !== null ? body : {}) as {
      storyId?: unknown;
      since?: unknown;
    };
    const { storyId, since } = request;
    if (typeof storyId !== 'string') {
      return ack({ ok: false, error: { code: 'invalid', message: 'storyId' } });
    }
    const version = versions.get(storyId) ?? 0;
    ack({ ok: true, storyId, version });
    const log = logs.get(storyId);
    if (typeof since === 'number' && log) {
      for (const event of log) if (event.version > since) socket.emit('event', event);
    } else {
      const story = { id: storyId, title: 'Baseline story', status: 'live', version };
      socket.emit('snapshot', { storyId, version, story: { ...story, entries: [], figures: [] } });
    }
    void socket.join(room(storyId));
  });
});

/** Broadcasts `ratePerStory × stories` events per second for `seconds`, round-robin over the stories. */
async function run(cmd: Extract<BaselineCommand, { op: 'run' }>): Promise<void> {
  const total = Math.round(cmd.ratePerStory * cmd.stories.length * cmd.seconds);
  const perSecond = cmd.ratePerStory * cmd.stories.length;
  const startedAt = wallClock();
  let expectedDeliveries = 0;
  for (let i = 0; i < total; i++) {
    const due = startedAt + (i * 1000) / perSecond;
    const wait = due - wallClock();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const storyId = cmd.stories[i % cmd.stories.length];
    const version = (versions.get(storyId) ?? 0) + 1;
    versions.set(storyId, version);
    const event = {
      storyId,
      version,
      type: cmd.template.type,
      data: { ...cmd.template.data, entryId: `b${i}` },
      reportId: stampId(cmd.marker, i),
      author: cmd.template.author,
      occurredAt: cmd.template.occurredAt,
      recordedAt: new Date().toISOString(),
    };
    expectedDeliveries += io.sockets.adapter.rooms.get(room(storyId))?.size ?? 0;
    io.to(room(storyId)).emit('event', event);
  }
  reply({ type: 'ran', sent: total, startedAt, endedAt: wallClock(), expectedDeliveries });
}

process.on('message', (cmd: BaselineCommand) => {
  switch (cmd.op) {
    case 'run':
      void run(cmd);
      return;
    case 'seed': {
      const events = [...cmd.events].sort((a, b) => a.version - b.version);
      logs.set(cmd.storyId, events);
      versions.set(cmd.storyId, events.at(-1)?.version ?? 0);
      reply({ type: 'seeded', storyId: cmd.storyId });
      return;
    }
    case 'memory': {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      reply({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, sockets: io.sockets.sockets.size });
      return;
    }
    case 'exit':
      void io.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

http.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, () =>
  reply({ type: 'listening', port: (http.address() as AddressInfo).port }),
);
