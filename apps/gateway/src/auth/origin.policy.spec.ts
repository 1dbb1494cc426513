import { loadConfig } from '@livefeed/common';
import { OriginPolicy } from './origin.policy';

const policy = (origins: string) =>
  new OriginPolicy(loadConfig({ LIVEFEED_ALLOWED_ORIGINS: origins }));

describe('the origin allow-list', () => {
  it('allows any origin when the list is empty', () => {
    expect(policy('').refusal('https://anything.example')).toBeNull();
  });

  it('allows listed origins, whatever the case or a trailing slash', () => {
    const p = policy('https://news.example/, https://Other.example');
    expect(p.refusal('https://news.example')).toBeNull();
    expect(p.refusal('https://other.example')).toBeNull();
    expect(p.refusal('https://evil.example')).toBe('origin not allowed');
    expect(p.refusal('null')).toBe('origin not allowed');
    expect(p.refusal(['https://news.example', 'https://evil.example'])).not.toBeNull();
  });

  it('lets requests without an Origin through (not a cross-site browser request)', () => {
    expect(policy('https://news.example').refusal(undefined)).toBeNull();
  });

  it("lets the gateway's own pages through: an origin whose host is the request's Host", () => {
    const p = policy('https://news.example');
    expect(p.refusal('http://live.example:3000', 'live.example:3000')).toBeNull();
    expect(p.refusal('http://LIVE.example:3000', 'live.example:3000')).toBeNull();
    expect(p.refusal('http://live.example:3001', 'live.example:3000')).toBe('origin not allowed');
    expect(p.refusal('http://evil.example', 'live.example:3000')).toBe('origin not allowed');
    expect(p.refusal('null', 'null')).toBe('origin not allowed');
    expect(p.refusal('not a url', 'live.example')).toBe('origin not allowed');
  });

  it('refuses everything once draining', () => {
    const p = policy('');
    p.drain();
    expect(p.refusal(undefined)).toBe('shutting down');
  });
});
