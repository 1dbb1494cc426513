import { natsServers } from './nats.connection';

describe('natsServers', () => {
  it('splits a comma-separated NATS_URL into the nodes of a cluster', () => {
    expect(natsServers('nats://a:4222, nats://b:4222,,nats://c:4222 ')).toEqual([
      'nats://a:4222',
      'nats://b:4222',
      'nats://c:4222',
    ]);
  });

  it('takes one URL or a list as they are', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(natsServers(['nats://a:1', ' nats://b:2'])).toEqual(['nats://a:1', 'nats://b:2']);
  });

  it.each(['', ' , ,', []])('refuses %p: no server at all', (url) => {
    expect(() => natsServers(url)).toThrow('no NATS server URL given');
  });
});
