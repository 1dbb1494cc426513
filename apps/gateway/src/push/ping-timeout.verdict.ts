import type { IoAdapter } from '@nestjs/platform-socket.io';

type IoServer = ReturnType<IoAdapter['createIOServer']>;

/** The parts of engine.io's socket (6.x) that its ping timeout reads and writes. */
interface EngineSocketLike {
  readonly readyState: string;
  readonly pingTimeoutTimer: NodeJS.Timeout | null;
  readonly hasRefreshedPingTimeout: boolean;
  onClose(reason: string, description?: unknown): void;
}

const PING_TIMEOUT = 'ping timeout';

/**
 * A reader is dropped for a ping timeout only if its pong has not arrived, even when the gateway
 * itself was what stalled (a long burst of work, a GC, a process the machine did not run for a
 * while).
 *
 * engine.io closes a socket whose pong is late from a timer. After a stall in an I/O callback, Node
 * runs the timers that fell due before it reads the sockets again: the timer fires while the pong
 * it waits for lies unread in the TCP socket, and a reader that answered in time is cut off, comes
 * back and catches up, with every other reader the stall cut off, all at once. So the verdict waits
 * for one more turn of the event loop (`setImmediate` runs after the loop has read what arrived).
 * The socket stays unless the same timer is still pending unanswered: a pong clears it, and any
 * other packet from the reader restarts it, as engine.io itself does while it waits.
 *
 * Set per socket as it opens (before its first ping is due), as an own `onClose`: engine.io's timer
 * calls `this.onClose('ping timeout')`, and every other reason goes straight to engine.io's own.
 */
export function deferPingTimeoutVerdicts(engine: IoServer['engine']): void {
  engine.on('connection', (socket: EngineSocketLike) => {
    socket.onClose = onCloseAfterReading;
  });
}

function onCloseAfterReading(this: EngineSocketLike, reason: string, description?: unknown): void {
  const close = Object.getPrototypeOf(this).onClose as EngineSocketLike['onClose'];
  if (reason !== PING_TIMEOUT) return close.call(this, reason, description);
  const timer = this.pingTimeoutTimer;
  const refreshed = this.hasRefreshedPingTimeout;
  setImmediate(() => {
    if (this.readyState === 'closed') return;
    const answered = this.pingTimeoutTimer !== timer || this.hasRefreshedPingTimeout !== refreshed;
    if (!answered) close.call(this, reason, description);
  });
}
