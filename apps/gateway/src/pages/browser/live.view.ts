import { createLivefeedClient, type LivefeedClient } from '@livefeed/client';
import type { StoryEvent } from '@livefeed/domain/event.schema';
import { evolve } from '@livefeed/domain/story.evolve';
import type { Entry, StoryState } from '@livefeed/domain/story.state';
import { audienceWords, figureContent, figureHtml, storyHead } from '../render/story.render';
import { ConnectionStatus } from './connection.status';
import { EntryList } from './entry.list';
import { Scrubber } from './scrubber';
import { bringUpTo, mergeEntries } from './state.merge';
import { StoryApi, type PageQuery, type PagedState } from './story.api';
import { keepTimesRelative, localizeTimes } from './times';

/** Entries fetched per page of older posts. */
const PAGE = 50;
/** Events kept to bring a page fetched at an older version up to the one shown. */
const RECENT_EVENTS = 1000;

export interface LiveViewOptions {
  /** The gateway's origin ('' on the gateway's own pages). */
  readonly base: string;
  readonly token: string | null;
  /** The state the page was rendered from, with the entries it shows. */
  readonly state: StoryState;
  readonly next: string | null;
  readonly closingNote: string | null;
  /** The page is the story's own (not an embed): its title follows the story's. */
  readonly ownsDocument?: boolean;
}

/**
 * A story page that stays live: it starts from the version it was rendered at (the SDK subscribes
 * with `since` = that version, so nothing is missed or repeated), folds each event into its own copy
 * of the state and patches the DOM where the event changed it. New posts wait behind the "new
 * updates" banner while the reader is scrolled down, so nobody is moved by an update.
 */
export class LiveView {
  private state: StoryState;
  private next: string | null;
  private closingNote: string | null;
  /** Highlights fetched from beyond the pages loaded: shown only in the highlights view. */
  private readonly extras = new Set<string>();
  private readonly recent: StoryEvent[] = [];
  private readonly entries: EntryList;
  private readonly status: ConnectionStatus;
  private readonly api: StoryApi;
  private readonly scrubber: Scrubber | null;
  private pending = 0;
  private loadingOlder = false;
  private highlightsLoaded = false;
  private client: LivefeedClient | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: LiveViewOptions,
  ) {
    this.state = options.state;
    this.next = options.next;
    this.closingNote = options.closingNote;
    this.api = new StoryApi(options.base, options.state.id, options.token);
    this.entries = new EntryList(this.find('[data-pinned-list]')!, this.find('[data-entries]')!);
    this.status = new ConnectionStatus(this.find('[data-status]'), (t) => this.announce(t));
    const range = this.find<HTMLInputElement>('[data-scrubber]');
    this.scrubber = range
      ? new Scrubber(root, range, this.api, { leave: () => this.renderAll(true) })
      : null;
    keepTimesRelative(root);
    this.wireControls();
  }

  /** Subscribes from the version shown. */
  start(): void {
    const initial = this.state;
    this.client = createLivefeedClient({
      ...(this.options.base ? { url: this.options.base } : {}),
      ...(this.options.token ? { token: this.options.token } : {}),
      ioOptions: { reconnectionDelay: 500, reconnectionDelayMax: 2000 },
    });
    this.client.subscribe(
      initial.id,
      {
        onEvent: (event) => this.apply(event),
        onState: (state, event) => {
          // The SDK hands back the state it was given first; any other without an event is a snapshot.
          if (event === null && state !== initial) this.replace(state);
        },
        onStatus: (status) => this.status.set(status),
        onAudience: (count) => this.setText('[data-audience]', audienceWords(count)),
        onError: (error) => {
          if (error.code === 'forbidden' || error.code === 'not-found' || error.code === 'revoked')
            this.status.fail(error.message);
        },
      },
      { initialState: initial },
    );
  }

  private apply(event: StoryEvent): void {
    try {
      this.state = evolve(this.state, event);
    } catch {
      return; // The SDK asks for a snapshot when an event does not fit.
    }
    this.recent.push(event);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    if (event.type === 'story.closed') this.closingNote = event.data.note ?? null;
    if (event.type === 'story.reopened') this.closingNote = null;
    this.scrubber?.setHead(this.state.version);
    if (this.scrubber?.active) return;
    this.root.dataset.version = String(this.state.version);
    this.patch(event);
  }

  private patch(event: StoryEvent): void {
    switch (event.type) {
      case 'story.opened':
      case 'story.updated':
      case 'story.closed':
      case 'story.reopened':
        return this.renderHead();
      case 'figure.reported':
        return this.renderFigure(event.data.figureId);
      case 'entry.posted':
        if (this.readerAtTop()) this.reveal();
        else this.waitBehindBanner(1);
        this.announce(this.pending > 0 ? '' : 'New update posted.');
        return;
      case 'entry.edited':
      case 'entry.retracted':
      case 'entry.pinned':
      case 'entry.unpinned': {
        const entry = this.entry(event.data.entryId);
        if (!entry) return;
        this.entries.patch(entry);
        // A pin moves the entry to the top: not under a reader's eyes, so only when at the top.
        if (event.type !== 'entry.edited' && this.readerAtTop()) this.reveal();
        if (event.type === 'entry.retracted') this.announce('A post was retracted.');
        return;
      }
    }
  }

  /** A snapshot replaced the state (the SDK was too far behind, or saw another history). */
  private replace(state: StoryState): void {
    this.state = state;
    this.next = null;
    this.extras.clear();
    this.scrubber?.setHead(state.version);
    if (!this.scrubber?.active) this.renderAll();
  }

  /**
   * Renders everything from the live state: after a snapshot, or back from the scrubber (whose past
   * version replaced the entries' elements: `fresh` makes them anew).
   */
  private renderAll(fresh = false): void {
    this.root.dataset.version = String(this.state.version);
    if (fresh) this.entries.reset();
    this.renderHead();
    const figures = this.find('[data-figures]')!;
    figures.innerHTML = this.state.figures.map((f) => figureHtml(f).markup).join('');
    figures.parentElement!.hidden = this.state.figures.length === 0;
    this.reveal();
    localizeTimes(this.root);
  }

  private renderHead(): void {
    const head = this.find('[data-story-head]')!;
    head.innerHTML = storyHead(this.state, this.closingNote).markup;
    if (this.options.ownsDocument) document.title = this.state.title;
    localizeTimes(head);
  }

  private renderFigure(figureId: string): void {
    const figure = this.state.figures.find((f) => f.figureId === figureId);
    const list = this.find('[data-figures]')!;
    if (!figure) return;
    const el = list.querySelector<HTMLElement>(`[data-figure-id="${CSS.escape(figureId)}"]`);
    if (el) el.innerHTML = figureContent(figure).markup;
    else list.insertAdjacentHTML('beforeend', figureHtml(figure).markup);
    list.parentElement!.hidden = false;
    localizeTimes(list);
  }

  /** Shows every entry held, in order; the banner goes. */
  private reveal(): void {
    this.entries.arrange(this.state.entries, this.extras);
    this.find('[data-empty]')?.remove();
    this.pending = 0;
    this.find('[data-new-updates]')?.remove();
  }

  private waitBehindBanner(count: number): void {
    this.pending += count;
    let banner = this.find<HTMLButtonElement>('[data-new-updates]');
    if (!banner) {
      banner = document.createElement('button');
      banner.type = 'button';
      banner.className = 'new-updates';
      banner.dataset.newUpdates = '';
      banner.addEventListener('click', () => {
        this.reveal();
        this.feedTop().scrollIntoView({ block: 'start' });
      });
      this.root.appendChild(banner);
    }
    const text = this.pending === 1 ? '1 new update' : `${this.pending} new updates`;
    banner.textContent = `↑ ${text}`;
    this.announce(`${text} above. Press the button at the top to show them.`);
  }

  /** Whether the top of the posts is in view (or below it): nothing above the reader can move. */
  private readerAtTop(): boolean {
    return this.feedTop().getBoundingClientRect().top >= 0;
  }

  private feedTop(): HTMLElement {
    const pinned = this.find('[data-pinned-list]')!;
    return pinned.hidden ? this.find('[data-entries]')! : pinned;
  }

  private entry(entryId: string): Entry | undefined {
    return this.state.entries.find((e) => e.entryId === entryId);
  }

  private wireControls(): void {
    const toggle = this.find<HTMLButtonElement>('[data-highlights-toggle]');
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener('click', () => {
        const on = toggle.getAttribute('aria-pressed') !== 'true';
        toggle.setAttribute('aria-pressed', String(on));
        toggle.textContent = on ? 'Show all posts' : 'Highlights only';
        this.root.dataset.view = on ? 'highlights' : 'all';
        this.announce(on ? 'Showing pinned and breaking posts only.' : 'Showing all posts.');
        if (on && this.next !== null && !this.highlightsLoaded) void this.loadHighlights();
      });
    }
    const older = this.find<HTMLAnchorElement>('[data-load-older]');
    if (older) {
      older.addEventListener('click', (e) => {
        e.preventDefault();
        void this.loadOlder();
      });
      new IntersectionObserver(
        (seen) => {
          if (seen.some((s) => s.isIntersecting)) void this.loadOlder();
        },
        { rootMargin: '600px' },
      ).observe(older);
    }
    addEventListener(
      'scroll',
      () => {
        if (this.pending > 0 && !this.scrubber?.active && this.readerAtTop()) this.reveal();
      },
      { passive: true },
    );
  }

  /** The next page of older entries, brought up to the version shown. */
  private async loadOlder(): Promise<void> {
    if (this.loadingOlder || this.next === null || this.scrubber?.active) return;
    this.loadingOlder = true;
    try {
      const page = await this.caughtUp({ entries: PAGE, after: this.next });
      const known = new Set(this.state.entries.map((e) => e.entryId));
      const added = page.entries.filter((e) => !known.has(e.entryId) || this.extras.has(e.entryId));
      for (const e of page.entries) this.extras.delete(e.entryId);
      this.merge(page.entries.filter((e) => !known.has(e.entryId)));
      this.next = page.next ?? null;
      this.entries.appendOlder(
        added.map((e) => this.entry(e.entryId) ?? e),
        this.extras,
      );
      if (this.next === null) this.find('[data-load-older]')?.parentElement?.remove();
    } catch {
      // The link stays: the reader can try again.
    } finally {
      this.loadingOlder = false;
    }
  }

  private async loadHighlights(): Promise<void> {
    const page = await this.caughtUp({ entries: 1000, only: 'highlights' }).catch(() => null);
    if (!page) return;
    this.highlightsLoaded = true;
    const known = new Set(this.state.entries.map((e) => e.entryId));
    const fresh = page.entries.filter((e) => !known.has(e.entryId));
    for (const e of fresh) this.extras.add(e.entryId);
    this.merge(fresh);
    this.reveal();
  }

  /** A page of entries at the version held when asking, brought up to the version held when it comes. */
  private async caughtUp(query: PageQuery): Promise<PagedState> {
    const at = this.state.version;
    const page = await this.api.state({ ...query, at });
    return bringUpTo(page, at, this.recent, this.state.version);
  }

  private merge(entries: readonly Entry[]): void {
    this.state = mergeEntries(this.state, entries);
  }

  private announce(text: string): void {
    if (text) this.setText('[data-announcer]', text);
  }

  private setText(selector: string, text: string): void {
    const el = this.find(selector);
    if (el && el.textContent !== text) el.textContent = text;
  }

  private find<T extends HTMLElement = HTMLElement>(selector: string): T | null {
    return this.root.querySelector<T>(selector);
  }
}
