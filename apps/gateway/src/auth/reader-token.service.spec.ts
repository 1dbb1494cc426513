import jwt from 'jsonwebtoken';
import { loadConfig } from '@livefeed/common';
import { ANONYMOUS, ReaderTokenService } from './reader-token.service';

const SECRET = 'x'.repeat(32);
const NOW = Date.parse('2026-11-24T08:00:00.000Z');
const nowSeconds = NOW / 1000;

const service = (secret = SECRET) =>
  new ReaderTokenService(loadConfig({ LIVEFEED_READER_SECRET: secret }));
const sign = (claims: object, secret = SECRET, algorithm: jwt.Algorithm = 'HS256') =>
  jwt.sign(claims, secret, { algorithm });
const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('reader tokens', () => {
  it('grants the stories a valid HS256 token names, until it expires', () => {
    const grant = service().grantOf(sign({ stories: ['a', 'b'], exp: nowSeconds + 60 }), NOW);
    expect([...grant.stories]).toEqual(['a', 'b']);
    expect(grant.expiresAt).toBe(NOW + 60_000);
    expect(service().mayRead(grant, 'a', 'private', NOW)).toBe(true);
    expect(service().mayRead(grant, 'c', 'private', NOW)).toBe(false);
    expect(service().mayRead(grant, 'a', 'private', NOW + 60_000)).toBe(false);
  });

  it('lets anyone read a public story', () => {
    expect(service().mayRead(ANONYMOUS, 'a', 'public', NOW)).toBe(true);
    expect(service('short').mayRead(ANONYMOUS, 'a', 'public', NOW)).toBe(true);
  });

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['a number', 42],
    ['garbage', 'not.a.token'],
    ['an expired token', sign({ stories: ['a'], exp: nowSeconds - 1 })],
    ['a token not valid yet', sign({ stories: ['a'], nbf: nowSeconds + 60 })],
    ['another secret', sign({ stories: ['a'] }, 'y'.repeat(32))],
    ['another algorithm', sign({ stories: ['a'] }, SECRET, 'HS384')],
    ['alg none', `${part({ alg: 'none', typ: 'JWT' })}.${part({ stories: ['a'] })}.`],
    ['no stories claim', sign({ sub: 'reader' })],
    ['stories not a list', sign({ stories: 'a' })],
    ['a malformed story id', sign({ stories: ['../a'] })],
    ['a huge token', 'a'.repeat(10_000)],
  ])('grants nothing for %s', (_name, token) => {
    expect(service().grantOf(token, NOW)).toEqual(ANONYMOUS);
  });

  it('serves no private story at all with a secret under 32 bytes', () => {
    const weak = service('s'.repeat(31));
    expect(weak.privateEnabled).toBe(false);
    const grant = weak.grantOf(sign({ stories: ['a'] }, 's'.repeat(31)), NOW);
    expect(grant).toEqual(ANONYMOUS);
    expect(weak.mayRead({ stories: new Set(['a']), expiresAt: null }, 'a', 'private', NOW)).toBe(
      false,
    );
  });
});
