import css from './pages.css';
import { html } from '../render/html';
import { bootFromApi } from './boot';

/** The gateway this script was loaded from: the story's data and its live updates come from there. */
const GATEWAY = new URL((document.currentScript as HTMLScriptElement | null)?.src ?? location.href)
  .origin;

/**
 * `<livefeed-story story="<id>">` (`/embed.js`, docs/protocol.md, "Pages"): the live story inside
 * any page, in its own shadow root, made by the same renderer and live view as the story page, with
 * the same hooks. The embedding site's origin must be one the gateway allows
 * (`LIVEFEED_ALLOWED_ORIGINS`); otherwise the element says the story cannot be shown there.
 */
class LivefeedStoryElement extends HTMLElement {
  connectedCallback(): void {
    if (this.shadowRoot) return;
    const shadow = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
    const storyId = this.getAttribute('story') ?? '';
    shadow.innerHTML = html`<p class="livefeed-message" data-livefeed-message>
      Loading the live story…
    </p>`.markup;
    void bootFromApi(shadow, GATEWAY, storyId, null);
  }
}

if (!customElements.get('livefeed-story'))
  customElements.define('livefeed-story', LivefeedStoryElement);
