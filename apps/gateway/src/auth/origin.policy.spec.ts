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

  it('refuses everything once draining', () => {
    const p = policy('');
    p.drain();
    expect(p.refusal(undefined)).toBe('shutting down');
  });
});
