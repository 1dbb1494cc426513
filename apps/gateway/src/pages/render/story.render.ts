import type { Entry, Figure, FigureClaim, StoryState } from '@livefeed/domain/story.state';
import { html, safeHref, sanitisedBody, type Html } from './html';

/**
 * The story's markup, from its state: one renderer for the server's first paint, the live page's
 * patches and the embed (docs/protocol.md, "Pages"). Pure: no DOM, no Node, no clock. The hooks of
 * the pages contract (`data-story-id`, `data-entry-id`, `data-figure-id`…) are written here only.
 */

type Source = NonNullable<Entry['source']>;

/** A page of a story's entries and what the page knows beyond the state. */
export interface StoryView {
  readonly state: StoryState;
  /** The entries shown (a page of them for a long story); all of the state's when left out. */
  readonly entries?: readonly Entry[];
  /** The last entry shown when older ones follow (load them with `?after=`), else null. */
  readonly next?: string | null;
  /** The note of the `story.closed` event the story is closed by (the state does not carry it). */
  readonly closingNote?: string | null;
  readonly audience?: number | null;
  /** `archived`: a past version, not live (`?at=`); `older`: a page of older entries, not live. */
  readonly mode: 'live' | 'archived' | 'older';
}

/** The sources an entry cites (docs/protocol.md, "Story state"): `sources`, of which `source` is the first. */
export function entrySources(entry: Entry): readonly Source[] {
  return entry.sources;
}

const QUALIFIER_WORDS: Record<FigureClaim['qualifier'], string> = {
  exact: '',
  approximately: 'about',
  'at-least': 'at least',
  'at-most': 'at most',
};

/** "about 200 people", "at least 30", "12 km". */
export function claimWords(claim: FigureClaim, unit: string | null): string {
  const words = [QUALIFIER_WORDS[claim.qualifier] ?? '', formatNumber(claim.value), unit ?? ''];
  return words.filter((w) => w !== '').join(' ');
}

const NUMBER = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
function formatNumber(value: number): string {
  return Number.isFinite(value) ? NUMBER.format(value) : String(value);
}

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

/** "24 Nov 2026, 08:15 UTC": the same text wherever it is rendered (the browser makes it relative). */
export function absoluteTime(iso: string): string {
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

function time(iso: string, prefix = ''): Html {
  const exact = absoluteTime(iso);
  return html`<time datetime="${iso}" title="${exact}" data-prefix="${prefix}"
    >${prefix}${exact}</time
  >`;
}

function sourceLink(source: Source): Html {
  const href = safeHref(source.url);
  return href === null
    ? html`<span class="source-name">${source.name}</span>`
    : html`<a class="source-name" href="${href}" rel="noopener noreferrer nofollow"
        >${source.name}</a
      >`;
}

function joinWith(parts: readonly Html[], separator: string): Html {
  return html`${parts.map((p, i) => (i === 0 ? p : html`${separator}${p}`))}`;
}

const KIND_WORDS: Record<string, string> = {
  breaking: 'Breaking',
  statement: 'Statement',
  analysis: 'Analysis',
};

/** The attributes an entry's `<article>` carries (the hooks), for the server and for patches. */
export function entryAttributes(entry: Entry): Readonly<Record<string, string>> {
  return {
    id: `entry-${entry.entryId}`,
    class: `entry entry-${entry.kind}${entry.pinned ? ' is-pinned' : ''}${entry.retracted ? ' is-retracted' : ''}`,
    'data-entry-id': entry.entryId,
    'data-kind': entry.kind,
    'data-pinned': String(entry.pinned),
    'data-retracted': String(entry.retracted !== null),
  };
}

/** What is inside an entry's `<article>`. */
export function entryContent(entry: Entry): Html {
  const kind = KIND_WORDS[entry.kind];
  const badges = html`${entry.pinned ? html`<span class="badge badge-pinned">Pinned</span>` : ''}${kind ? html`<span class="badge badge-${entry.kind}">${kind}</span>` : ''}`;
  const meta = html`<p class="entry-meta">
    ${badges}${time(entry.postedAt)} <span class="author">by ${entry.author}</span>
  </p>`;
  if (entry.retracted) {
    return html`${meta}
      <p class="retraction">
        <strong>Retracted</strong> ${time(entry.retracted.at)}: ${entry.retracted.reason}
      </p>`;
  }
  const sources = entrySources(entry);
  return html`${meta}
    <div class="entry-body">${sanitisedBody(entry.body ?? '')}</div>
    ${entry.editedAt ? html`<p class="edited">${time(entry.editedAt, 'Edited ')}</p>` : ''}${
      entry.corrections.length > 0
        ? html`<div class="corrections">
            ${entry.corrections.map(
              (c) =>
                html`<p class="correction">
                  <strong>Correction</strong> ${time(c.at)}: ${c.note}
                </p>`,
            )}
          </div>`
        : ''
    }${
      sources.length > 0
        ? html`<p class="sources">
            ${sources.length > 1 ? 'Sources' : 'Source'}: ${joinWith(sources.map(sourceLink), ', ')}
          </p>`
        : ''
    }`;
}

function attributes(attrs: Readonly<Record<string, string>>): Html {
  return html`${Object.entries(attrs).map(([name, value]) => html` ${name}="${value}"`)}`;
}

export function entryHtml(entry: Entry): Html {
  return html`<article${attributes(entryAttributes(entry))}>${entryContent(entry)}</article>`;
}

/** What is inside a figure's element: the label, and each source's value side by side. */
export function figureContent(figure: Figure): Html {
  return html`<h3 class="figure-label">${figure.label}</h3>
    <ul class="claims">
      ${figure.bySource.map(
        (claim) =>
          html`<li class="claim">
            <span class="claim-value">${claimWords(claim, figure.unit)}</span>
            <span class="claim-source">${sourceLink(claim.source)}</span> ${time(claim.reportedAt)}
          </li>`,
      )}
    </ul>`;
}

export function figureHtml(figure: Figure): Html {
  return html`<div class="figure" data-figure-id="${figure.figureId}">
    ${figureContent(figure)}
  </div>`;
}

/**
 * The story's head: status, title, summary, closing note, times. A past version (`archived`) says
 * so instead of "Live", which it no longer is.
 */
export function storyHead(
  state: StoryState,
  closingNote: string | null | undefined,
  archived = false,
): Html {
  const closed = state.status === 'closed';
  return html`<p class="kicker">
      ${
        archived
          ? html`<span class="story-status story-archived"
              >Archived${closed ? ': closed' : ''}</span
            >`
          : closed
            ? html`<span class="story-status story-closed">Closed</span>`
            : html`<span class="story-status story-live"
                ><span aria-hidden="true">● </span>Live</span
              >`
      }
    </p>
    <h1 class="story-title">${state.title}</h1>
    ${state.summary ? html`<p class="summary">${state.summary}</p>` : ''}${
      closed
        ? html`<p class="closed-note">
            <strong>This live blog has ended.</strong>${closingNote ? html` ${closingNote}` : ''}
          </p>`
        : ''
    }
    <p class="story-times">
      ${time(state.openedAt, 'Started ')} · ${time(state.updatedAt, 'Updated ')}
    </p>`;
}

export function audienceWords(count: number | null | undefined): string {
  if (count === null || count === undefined || count <= 0) return '';
  return count === 1 ? '1 reading now' : `${count} reading now`;
}

/** Splits the entries shown into the pinned ones (on top) and the rest, each in the state's order. */
export function partitionEntries(entries: readonly Entry[]): {
  pinned: Entry[];
  rest: Entry[];
} {
  return {
    pinned: entries.filter((e) => e.pinned),
    rest: entries.filter((e) => !e.pinned),
  };
}

/** The whole story view: the element with `data-story-id` and `data-version`, and all inside it. */
export function storyViewHtml(view: StoryView): Html {
  const { state, mode } = view;
  const { pinned, rest } = partitionEntries(view.entries ?? state.entries);
  const next = view.next ?? null;
  const live = mode === 'live';
  return html`<div
    class="story"
    data-story-id="${state.id}"
    data-version="${state.version}"
    data-mode="${mode}"
    ${next ? html` data-next="${next}"` : ''}
  >
    <header class="story-head" data-story-head>
      ${storyHead(state, view.closingNote, mode === 'archived')}
    </header>
    ${
      live
        ? html`<div class="toolbar" data-toolbar>
              <span class="connection" data-status="connecting" role="status" hidden
                >Connecting…</span
              >
              <span class="audience" data-audience>${audienceWords(view.audience)}</span>
              <button
                type="button"
                class="highlights-toggle"
                data-highlights-toggle
                aria-pressed="false"
                hidden
              >
                Highlights only
              </button>
            </div>
            <div class="scrubber" data-scrubber-box hidden>
              <label
                >History
                <input
                  type="range"
                  min="1"
                  max="${state.version}"
                  value="${state.version}"
                  step="1"
                  data-scrubber
                  aria-valuetext="version ${state.version} (live)"
              /></label>
              <output data-scrubber-label>Live</output>
              <button type="button" data-back-to-live hidden>Back to live</button>
            </div>`
        : html`<p class="archived-note" data-archived role="note">
            ${
              mode === 'archived'
                ? html`Archived view: this page as readers saw it at version ${state.version},
                  ${absoluteTime(state.updatedAt)}. It is not live.`
                : 'Older posts. This page is not live.'
            } <a href="/stories/${encodeURIComponent(state.id)}">Go to the live page</a>
          </p>`
    }
    <div class="visually-hidden" aria-live="polite" data-announcer></div>
    ${
      state.figures.length > 0
        ? html`<section class="figures" aria-labelledby="figures-title">
            <h2 id="figures-title">Key figures</h2>
            <div class="figure-list" data-figures>${state.figures.map(figureHtml)}</div>
          </section>`
        : html`<section class="figures" aria-labelledby="figures-title" hidden>
            <h2 id="figures-title">Key figures</h2>
            <div class="figure-list" data-figures></div>
          </section>`
    }
    <section
      class="pinned"
      aria-label="Pinned posts"
      data-pinned-list${pinned.length === 0 ? html` hidden` : ''}
    >
      ${pinned.map(entryHtml)}
    </section>
    <section class="entries" aria-label="Posts" data-entries>${rest.map(entryHtml)}</section>
    ${rest.length === 0 && pinned.length === 0 ? html`<p class="empty" data-empty>No posts yet.</p>` : ''}
    ${
      next
        ? html`<p class="older">
            <a
              href="/stories/${encodeURIComponent(state.id)}?after=${encodeURIComponent(next)}"
              data-load-older
              >Older posts</a
            >
          </p>`
        : ''
    }
  </div>`;
}
