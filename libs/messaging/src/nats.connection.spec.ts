import { splitNatsUrl } from './nats.connection';

describe('NATS URLs with credentials', () => {
  it('takes the user and password out of the URL', () => {
    expect(splitNatsUrl('nats://ingest:s3cret@nats:4222')).toEqual({
      server: 'nats://nats:4222',
      user: 'ingest',
      pass: 's3cret',
    });
  });

  it('decodes percent-escapes, so a password may hold any character', () => {
    expect(splitNatsUrl('nats://gate%20way:p%40ss%3Aw%2Fd@127.0.0.1:4222')).toEqual({
      server: 'nats://127.0.0.1:4222',
      user: 'gate way',
      pass: 'p@ss:w/d',
    });
  });

  it('takes a user without a password, and a URL without a scheme', () => {
    expect(splitNatsUrl('token-user@127.0.0.1:4222')).toEqual({
      server: '127.0.0.1:4222',
      user: 'token-user',
    });
  });

  it('leaves a URL without credentials as it is', () => {
    expect(splitNatsUrl('nats://127.0.0.1:4222')).toEqual({ server: 'nats://127.0.0.1:4222' });
    expect(splitNatsUrl(' 127.0.0.1:4222 ')).toEqual({ server: '127.0.0.1:4222' });
  });
});
