import type { Entry, StoryState } from '@livefeed/domain/story.state';
import { html, jsonForScript, type Html } from './html';

/**
 * The schema.org `LiveBlogPosting` of a story page (docs/protocol.md, "Pages"), as search engines
 * read live blogs: one `BlogPosting` per entry that is not retracted, its body as plain text.
 */
export function liveBlogPosting(state: StoryState, pageUrl: string): Record<string, unknown> {
  return {
    '@context': 'https://schema.org',
    '@type': 'LiveBlogPosting',
    '@id': pageUrl,
    url: pageUrl,
    headline: state.title,
    description: state.summary ?? state.title,
    coverageStartTime: state.openedAt,
    ...(state.status === 'closed' ? { coverageEndTime: state.updatedAt } : {}),
    datePublished: state.openedAt,
    dateModified: state.updatedAt,
    liveBlogUpdate: state.entries
      .filter((e) => e.retracted === null)
      .map((e) => blogPosting(e, pageUrl)),
  };
}

function blogPosting(entry: Entry, pageUrl: string): Record<string, unknown> {
  const text = plainText(entry.body ?? '');
  return {
    '@type': 'BlogPosting',
    '@id': `${pageUrl}#entry-${entry.entryId}`,
    url: `${pageUrl}#entry-${entry.entryId}`,
    headline: text.length > 110 ? `${text.slice(0, 109)}…` : text,
    articleBody: text,
    datePublished: entry.postedAt,
    dateModified: entry.editedAt ?? entry.postedAt,
    author: { '@type': 'Person', name: entry.author },
  };
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** The text of a sanitised body: tags dropped (block ends become spaces), entities decoded. */
export function plainText(body: string): string {
  return body
    .replace(/<\/(p|h[1-6]|li|blockquote|figcaption|pre)>|<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isInteger(code) && code > 0 && code <= 0x10ffff
          ? String.fromCodePoint(code)
          : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** The structured data as the one `<script type="application/ld+json">` of the page. */
export function jsonLdScript(state: StoryState, pageUrl: string): Html {
  return html`<script type="application/ld+json">
    ${jsonForScript(liveBlogPosting(state, pageUrl))}
  </script>`;
}
