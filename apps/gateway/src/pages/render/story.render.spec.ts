import { fold } from '@livefeed/domain';
import {
  edited,
  figure,
  history,
  MINISTRY,
  opened,
  pinned,
  posted,
  retracted,
  UN,
  closed,
} from '@livefeed/domain/testing/story.fixtures';
import type { StoryState } from '@livefeed/domain';
import { escapeHtml, html, jsonForScript, safeHref, sanitisedBody } from './html';
import { plainText, liveBlogPosting, jsonLdScript } from './json-ld';
import { absoluteTime, claimWords, entryHtml, storyViewHtml } from './story.render';

const state = (facts: Parameters<typeof history>[0]): StoryState => fold(history(facts))!;
const HOSTILE = `"><script>alert(1)</script>'\``;

describe('the one escaping path', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    expect(html`<p title="${HOSTILE}">${HOSTILE}</p>`.markup).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&#96;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&#96;</p>',
    );
    expect(escapeHtml('a & b')).toBe('a &amp; b');
  });

  it('lets through markup made by html and sanitised bodies only, and drops null, undefined and false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`${[inner, 'x<']}${null}${undefined}${false}${0}`.markup).toBe(
      '<b>&lt;i&gt;</b>x&lt;0',
    );
    expect(html`${sanitisedBody('<p>ok</p>')}`.markup).toBe('<p>ok</p>');
  });

  it('writes JSON that no value can end a script element with', () => {
    const json = jsonForScript({ t: '</script><script>alert(1)</script>', s: '\u2028&' }).markup;
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual({ t: '</script><script>alert(1)</script>', s: '\u2028&' });
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,x',
    ' https://x',
    'https://x" onclick="y',
    '//evil.test',
  ])('links no href %p', (url) => expect(safeHref(url)).toBeNull());
});

describe('a story rendered', () => {
  const story = state([
    opened({ title: 'Quake <b>2</b>', summary: 'Aftershocks & more' }),
    posted('e1', { sources: [UN, MINISTRY] }),
    posted('e2', { kind: 'breaking', body: '<p>Big <em>news</em></p>' }),
    edited('e1', '<p>Fixed</p>', 'It said <i>8</i>.'),
    retracted('e2', 'Not <confirmed>'),
    posted('e3'),
    pinned('e3'),
    figure('deaths', 200, UN, { qualifier: 'approximately', unit: 'people' }),
    figure('deaths', 30, MINISTRY, { qualifier: 'at-least', unit: 'people' }),
    closed(),
  ]);

  it('carries the hooks of the pages contract', () => {
    const page = storyViewHtml({ state: story, closingNote: 'See <you>', mode: 'live' }).markup;
    expect(page).toContain(`data-story-id="${story.id}" data-version="10"`);
    expect(page).toContain('data-status="connecting"');
    expect(page).toContain('data-audience');
    expect(page).toContain('data-figure-id="deaths"');
    expect(page).toMatch(
      /<article[^>]* data-entry-id="e3" data-kind="update" data-pinned="true" data-retracted="false">/,
    );
    expect(page).toMatch(
      /<article[^>]* data-entry-id="e2" data-kind="breaking" data-pinned="false" data-retracted="true">/,
    );
    expect(page).toContain('aria-live="polite"');
    expect(page).toContain('See &lt;you&gt;');
    expect(page).toContain('Quake &lt;b&gt;2&lt;/b&gt;');
    expect(page).not.toContain('<b>2</b>');
  });

  it('puts the pinned entries on top, then the rest newest first', () => {
    const page = storyViewHtml({ state: story, mode: 'live' }).markup;
    const order = [...page.matchAll(/data-entry-id="(\w+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['e3', 'e2', 'e1']);
  });

  it('shows a retraction notice instead of the body, and corrections under the post', () => {
    const e2 = entryHtml(story.entries.find((e) => e.entryId === 'e2')!).markup;
    expect(e2).toContain('Retracted');
    expect(e2).toContain('Not &lt;confirmed&gt;');
    expect(e2).not.toContain('Big');
    const e1 = entryHtml(story.entries.find((e) => e.entryId === 'e1')!).markup;
    expect(e1).toMatch(
      /<p>Fixed<\/p><\/div>\s*<p class="edited">.*<div class="corrections">.*It said &lt;i&gt;8&lt;\/i&gt;\./,
    );
    expect(e1).toMatch(
      /<a class="source-name" href="https:\/\/ohchr.example\/ua" rel="noopener noreferrer nofollow"\s*>UN OHCHR<\/a/,
    );
  });

  it("says each source's value side by side, qualifiers in words", () => {
    const [claimUn, claimMinistry] = story.figures[0].bySource;
    expect(claimWords(claimUn, 'people')).toBe('about 200 people');
    expect(claimWords(claimMinistry, 'people')).toBe('at least 30 people');
    expect(claimWords({ ...claimUn, qualifier: 'at-most', value: 1234.5 }, null)).toBe(
      'at most 1,234.5',
    );
    expect(claimWords({ ...claimUn, qualifier: 'exact', value: 7 }, 'km')).toBe('7 km');
  });

  it('writes times the same everywhere, in UTC', () => {
    expect(absoluteTime('2026-11-24T08:05:00.000Z')).toBe('24 Nov 2026, 08:05 UTC');
    expect(absoluteTime('not a time')).toBe('not a time');
  });

  it('marks an archived view as such and not live', () => {
    const page = storyViewHtml({ state: story, mode: 'archived' }).markup;
    expect(page).toContain('data-archived');
    expect(page).toContain('Archived: closed');
    expect(page).not.toContain('data-status');
    expect(page).not.toContain('data-scrubber');
  });
});

describe('the structured data', () => {
  const story = state([
    opened({ title: 'T', summary: 'S' }),
    posted('e1', { body: '<p>One &amp; <b>two</b></p><p>three&#33;</p>' }),
    posted('e2'),
    retracted('e2'),
    closed(),
  ]);

  it('is a LiveBlogPosting with one BlogPosting per entry not retracted, bodies as text', () => {
    const ld = liveBlogPosting(story, 'https://live.example/stories/x');
    expect(ld).toMatchObject({
      '@type': 'LiveBlogPosting',
      headline: 'T',
      description: 'S',
      coverageStartTime: story.openedAt,
      coverageEndTime: story.updatedAt,
      dateModified: story.updatedAt,
    });
    expect(ld.liveBlogUpdate).toEqual([
      expect.objectContaining({
        '@type': 'BlogPosting',
        articleBody: 'One & two three!',
        datePublished: story.entries[1].postedAt,
        author: { '@type': 'Person', name: story.entries[1].author },
      }),
    ]);
  });

  it('has no coverageEndTime while live', () => {
    expect(liveBlogPosting(state([opened()]), 'u')).not.toHaveProperty('coverageEndTime');
  });

  it('cannot be broken out of', () => {
    const hostile = state([opened({ title: '</script><script>alert(1)</script>' })]);
    const script = jsonLdScript(hostile, 'u').markup;
    expect(script.match(/<\/script>/g)).toHaveLength(1);
  });

  it.each([
    ['<p>a</p><p>b</p>', 'a b'],
    ['x&lt;y&gt;', 'x<y>'],
    ['&#x41;&#66;&nbsp;&unknown;', 'AB &unknown;'],
    ['a<br>b', 'a b'],
  ])('reads %p as %p', (body, text) => expect(plainText(body)).toBe(text));
});
