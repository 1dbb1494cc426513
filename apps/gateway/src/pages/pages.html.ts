import type { StorySummary } from '@livefeed/event-store';
import { html, jsonForScript, type Html } from './render/html';
import { jsonLdScript } from './render/json-ld';
import { absoluteTime, storyViewHtml, type StoryView } from './render/story.render';

/**
 * The pages' Content-Security-Policy: scripts only from the gateway itself (no inline script, no
 * eval), styles only from its stylesheet (so no `style` attribute works either), images from the
 * gateway or any https host (bodies may show them), connections back to the gateway only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function documentOf(title: string, body: Html, head: Html = html``): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="/assets/pages.css" />
        ${head}
        <script src="/assets/reader.js" defer></script>
      </head>
      <body>
        <div class="page">
          <nav class="site-nav"><a href="/">All live stories</a></nav>
          <main id="main">${body}</main>
        </div>
      </body>
    </html> `.markup;
}

/** `GET /`: live stories first, then the most recently updated. */
export function storyListPage(stories: readonly StorySummary[]): string {
  const items = stories.map(
    (s) =>
      html`<li>
        <a href="/stories/${encodeURIComponent(s.id)}">${s.title}</a>
        <span class="meta"
          >${
            s.status === 'live'
              ? html`<span class="story-status story-live">Live</span>`
              : html`<span class="story-status story-closed">Closed</span>`
          }
          Updated
          <time datetime="${s.updatedAt}" title="${absoluteTime(s.updatedAt)}"
            >${absoluteTime(s.updatedAt)}</time
          ></span
        >
      </li>`,
  );
  return documentOf(
    'Live stories',
    html`<h1>Live stories</h1>
      ${
        stories.length === 0
          ? html`<p>No story yet.</p>`
          : html`<ul class="stories">
              ${items}
            </ul>`
      }`,
  );
}

/**
 * `GET /stories/:id`: the story as the server renders it (readable without script), its
 * structured data, and the state the page's script goes live from.
 */
export function storyPage(view: StoryView, pageUrl: string): string {
  const { state } = view;
  const shown = view.entries ?? state.entries;
  const data =
    view.mode === 'live'
      ? html`<script type="application/json" data-livefeed-state>
          ${jsonForScript({
            state: { ...state, entries: shown },
            next: view.next ?? null,
            closingNote: view.closingNote ?? null,
          })}
        </script>`
      : html``;
  const head = html`<meta name="description" content="${state.summary ?? state.title}" />${
      view.mode === 'live' ? html`` : html`<meta name="robots" content="noindex" />`
    }${jsonLdScript(state, pageUrl)}`;
  const title =
    view.mode === 'archived' ? `${state.title} (archived, version ${state.version})` : state.title;
  return documentOf(title, html`${storyViewHtml(view)}${data}`, head);
}

/** A private story: the browser renders it with the reader's token (`#token=…`), which the server never sees. */
export function privateStoryPage(storyId: string): string {
  return documentOf(
    'Private story',
    html`<div class="story" data-story-id="${storyId}" data-version="0" data-mode="private">
      <p class="livefeed-message" data-livefeed-message>
        This story is private. Loading it with your link…
      </p>
      <noscript><p>Open it with a link that grants it, in a browser with JavaScript.</p></noscript>
    </div>`,
  );
}

/** A story page that cannot be shown: 404 (no such story) or 400 (a malformed `?at=` or `?after=`). */
export function errorPage(message: string, status = 404): string {
  const title = status === 404 ? 'Story not found' : 'Page not found';
  return documentOf(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p><a href="/">See the live stories</a></p>`,
  );
}
