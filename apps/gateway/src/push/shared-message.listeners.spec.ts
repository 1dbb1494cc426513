import { EventEmitter } from 'node:events';
import { messagePayload, sharedMessageListeners } from './shared-message.listeners';
import type { PushSocket } from './socket.hub';

const ack = () => undefined;

/** An emitter standing in for a socket: it calls its listeners on itself, as socket.io's does. */
function fakeSocket(id: string): PushSocket & EventEmitter {
  return Object.assign(new EventEmitter(), { id }) as unknown as PushSocket & EventEmitter;
}

describe('messagePayload', () => {
  it('reads a body and an ack as Nest reads them', () => {
    expect(messagePayload([{ storyId: 's' }, ack])).toEqual({ body: { storyId: 's' }, ack });
    expect(messagePayload([{ storyId: 's' }])).toEqual({ body: { storyId: 's' }, ack: undefined });
    expect(messagePayload([ack])).toEqual({ body: undefined, ack });
    expect(messagePayload([])).toEqual({ body: undefined, ack: undefined });
  });

  it('makes several bodies an array, with or without an ack', () => {
    expect(messagePayload([1, 2, ack])).toEqual({ body: [1, 2], ack });
    expect(messagePayload([1, 2])).toEqual({ body: [1, 2], ack: undefined });
  });

  it('leaves an array body as it is', () => {
    expect(messagePayload([[1, 2], ack])).toEqual({ body: [1, 2], ack });
  });
});

describe('sharedMessageListeners', () => {
  it('serves every socket with the same listener, which hears the socket it was called on', () => {
    const heard: string[] = [];
    const listeners = sharedMessageListeners(
      {
        subscribe: (socket, body) => void heard.push(`${socket.id} subscribe ${String(body)}`),
        unsubscribe: (socket, body) => void heard.push(`${socket.id} unsubscribe ${String(body)}`),
      },
      () => undefined,
    );
    const a = fakeSocket('a');
    const b = fakeSocket('b');
    for (const socket of [a, b]) for (const [m, l] of listeners) socket.on(m, l);
    a.emit('subscribe', 'x', ack);
    b.emit('unsubscribe', 'y', ack);
    b.emit('subscribe', 'z');
    expect(heard).toEqual(['a subscribe x', 'b unsubscribe y', 'b subscribe z']);
    expect(a.listeners('subscribe')[0]).toBe(b.listeners('subscribe')[0]);
  });

  it('hands what a handler throws or rejects with to onError, never to the emitter', async () => {
    const errors: string[] = [];
    const listeners = sharedMessageListeners(
      {
        subscribe: () => Promise.reject(new Error('rejected')),
        unsubscribe: () => {
          throw new Error('thrown');
        },
      },
      (error, socket, message) =>
        errors.push(`${socket.id} ${message}: ${(error as Error).message}`),
    );
    const socket = fakeSocket('s');
    for (const [m, l] of listeners) socket.on(m, l);
    expect(() => socket.emit('unsubscribe', {}, ack)).not.toThrow();
    socket.emit('subscribe', {}, ack);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual(['s unsubscribe: thrown', 's subscribe: rejected']);
  });
});
