import { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { from, isObservable, mergeAll, of, throwError, type Observable } from 'rxjs';
import { OriginPolicy } from '../auth/origin.policy';
import { defaultGatewayOptions } from '../config/gateway.options';
import { SocketServerAdapter } from './socket-server.adapter';

type Listener = (...args: unknown[]) => void;

/** Just enough of a socket.io socket: the listeners bound to it and what it emitted. */
class FakeSocket {
  readonly listeners = new Map<string, Listener>();
  readonly emitted: [string, unknown][] = [];
  on(name: string, listener: Listener): this {
    this.listeners.set(name, listener);
    return this;
  }
  emit(name: string, data: unknown): boolean {
    this.emitted.push([name, data]);
    return true;
  }
  /** A message from the client, as socket.io hands it to listeners. */
  receive(name: string, ...args: unknown[]): void {
    this.listeners.get(name)?.(...args);
  }
}

/** What Nest passes as `transform`: a handler's value, promise or observable as an observable. */
const nestTransform = (result: unknown): Observable<unknown> =>
  from(Promise.resolve(result).then((r) => (isObservable(r) ? r : of(r)))).pipe(mergeAll());

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the socket server adapter binding message handlers', () => {
  let errors: unknown[];
  let socket: FakeSocket;
  let calls: { data: unknown; ack: unknown }[];

  beforeEach(() => {
    errors = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((error: unknown) => {
      errors.push(error);
    });
    socket = new FakeSocket();
    calls = [];
  });
  afterEach(() => jest.restoreAllMocks());

  function bind(
    handler: (data: unknown, ack: unknown) => unknown,
    isAckHandledManually = false,
  ): void {
    const adapter = new SocketServerAdapter(
      undefined as never,
      new OriginPolicy({ LIVEFEED_ALLOWED_ORIGINS: [] } as never),
      defaultGatewayOptions(),
    );
    const handlers: MessageMappingProperties[] = [
      {
        message: 'subscribe',
        methodName: 'onSubscribe',
        isAckHandledManually,
        callback: (data: unknown, ack: unknown) => {
          calls.push({ data, ack });
          return handler(data, ack) as Promise<unknown>;
        },
      },
    ];
    adapter.bindMessageHandlers(socket as never, handlers, nestTransform);
  }

  it('hands the handler the payload and the ack, whatever the client sent', () => {
    bind(() => undefined, true);
    const ack = () => undefined;
    socket.receive('subscribe', { storyId: 'a' }, ack);
    socket.receive('subscribe', ack);
    socket.receive('subscribe');
    socket.receive('subscribe', 'a', 'b', 'c');
    socket.receive('subscribe', ['a', 1]);
    socket.receive('subscribe', null, ack);
    expect(calls).toEqual([
      { data: { storyId: 'a' }, ack },
      { data: undefined, ack },
      { data: undefined, ack: undefined },
      { data: ['a', 'b', 'c'], ack: undefined },
      { data: ['a', 1], ack: undefined },
      { data: null, ack },
    ]);
  });

  it('answers through the ack with what the handler returns, unless it takes the ack itself', async () => {
    const answers: unknown[] = [];
    bind(async (data) => ({ echoed: data }));
    socket.receive('subscribe', 1, (a: unknown) => answers.push(a));
    bind(() => ({ echoed: 'manual' }), true);
    socket.receive('subscribe', 2, (a: unknown) => answers.push(a));
    await settle();
    expect(answers).toEqual([{ echoed: 1 }]);
  });

  it('emits an {event, data} result instead of acknowledging it', async () => {
    const answers: unknown[] = [];
    bind(() => ({ event: 'pong', data: 7 }));
    socket.receive('subscribe', {}, (a: unknown) => answers.push(a));
    await settle();
    expect(socket.emitted).toEqual([['pong', 7]]);
    expect(answers).toEqual([]);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', () => Promise.reject(new Error('boom'))],
    ['returns a failing observable', () => throwError(() => new Error('boom'))],
  ])('logs a handler that %s and keeps handling the next messages', async (_name, failing) => {
    let fail = true;
    bind((data) => (fail ? failing() : { ok: data }));
    const answers: unknown[] = [];
    expect(() => socket.receive('subscribe', 1, (a: unknown) => answers.push(a))).not.toThrow();
    await settle();
    fail = false;
    socket.receive('subscribe', 2, (a: unknown) => answers.push(a));
    await settle();
    expect(errors).toHaveLength(1);
    expect(answers).toEqual([{ ok: 2 }]);
  });
});
