import { html } from '../render/html';
import { storyViewHtml } from '../render/story.render';
import { LiveView } from './live.view';
import { ApiError, StoryApi, type PagedState } from './story.api';

/** Entries the first paint of a page rendered in the browser shows; older ones load on scroll. */
const FIRST_ENTRIES = 100;

const REFUSALS: Record<string, string> = {
  'not-found': 'This story does not exist.',
  forbidden: 'This story is private: open it with a link that grants it.',
  network:
    'This story cannot be shown here: the live blog service refused this site or cannot be reached.',
};

/**
 * A live story rendered in the browser from the read API, then live: the embed, and the page of a
 * private story (whose reader token only the browser holds). `host` gets the story view, or a
 * message saying why there is none.
 */
export async function bootFromApi(
  host: ParentNode & Node,
  base: string,
  storyId: string,
  token: string | null,
): Promise<void> {
  const api = new StoryApi(base, storyId, token);
  try {
    const page = await api.state({ entries: FIRST_ENTRIES });
    const note =
      page.status === 'closed' ? await api.closingNote(page.version).catch(() => null) : null;
    host.querySelector('[data-livefeed-message]')?.remove();
    const root = renderedView(host, page, note);
    new LiveView(root, {
      base,
      token,
      state: page,
      next: page.next ?? null,
      closingNote: note,
    }).start();
  } catch (error) {
    const code = error instanceof ApiError ? error.code : 'network';
    const text = REFUSALS[code] ?? (error instanceof Error ? error.message : String(error));
    const message = host.querySelector('[data-livefeed-message]');
    const markup = html`<p
      class="livefeed-message"
      role="alert"
      data-livefeed-message
      data-code="${code}"
    >
      ${text}
    </p>`.markup;
    if (message) message.outerHTML = markup;
    else
      (host as Element | ShadowRoot).append(
        document.createRange().createContextualFragment(markup),
      );
  }
}

/** A reader token given in the page's fragment (`#token=…`), which never reaches a server log. */
export function tokenFromHash(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('token');
}

/** The story view for a state fetched from the API, added to `host`. */
function renderedView(
  host: ParentNode & Node,
  page: PagedState,
  closingNote: string | null,
): HTMLElement {
  const template = document.createElement('template');
  template.innerHTML = storyViewHtml({
    state: page,
    entries: page.entries,
    next: page.next ?? null,
    closingNote,
    mode: 'live',
  }).markup;
  const root = template.content.firstElementChild as HTMLElement;
  host.appendChild(root);
  return root;
}
