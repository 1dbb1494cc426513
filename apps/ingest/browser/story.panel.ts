import { createLivefeedClient, type LivefeedClient, type Subscription } from '@livefeed/client';
import type { Entry, StoryState } from '@livefeed/client';
// The entry history route's revisions (a type only: nothing of the store is bundled).
import type { EntryRevision } from '@livefeed/event-store';
import { el, fill, textOfHtml } from './dom';

/**
 * The story as readers see it, live through the gateway's SDK, beside the forms: its entries (pick one
 * to fill the forms' entry id) and, on request, an entry's revisions from the history route.
 */
export class StoryPanel {
  private readonly client: LivefeedClient;
  private subscription: Subscription | undefined;
  private storyId: string | undefined;

  constructor(
    private readonly gateway: string,
    private readonly root: HTMLElement,
    private readonly onPick: (entryId: string) => void,
  ) {
    this.client = createLivefeedClient({ url: gateway });
  }

  follow(storyId: string): void {
    if (storyId === this.storyId && this.subscription) return;
    this.subscription?.unsubscribe();
    this.storyId = storyId;
    fill(this.root, el('p', { class: 'muted' }, `Connecting to ${storyId}…`));
    this.subscription = this.client.subscribe(storyId, {
      onState: (story) => this.render(story),
      onError: (error) => {
        const text =
          error.code === 'not-found'
            ? `No story "${storyId}" yet: open it with the form "Open the story".`
            : error.code === 'forbidden'
              ? `"${storyId}" is private: the console shows only public stories live.`
              : `Cannot follow "${storyId}": ${error.message}`;
        fill(this.root, el('p', { class: 'muted', 'data-panel-error': error.code }, text));
        // The client keeps a story it follows: let go of this one, so that following it again
        // (once it has been opened) subscribes afresh.
        this.subscription?.unsubscribe();
        this.subscription = undefined;
      },
    });
  }

  /** Follows the story again after it was opened (a not-found subscription has ended). */
  refresh(): void {
    const storyId = this.storyId;
    if (storyId && !this.subscription) {
      this.storyId = undefined;
      this.follow(storyId);
    }
  }

  private render(story: StoryState): void {
    const entries = el('ol', { class: 'entries' });
    for (const entry of story.entries) entries.append(this.entryItem(entry));
    const figures = el('ul', { class: 'figures' });
    for (const figure of story.figures) {
      const claims = figure.bySource
        .map(
          (c) =>
            `${c.source.name}: ${c.value}${figure.unit ? ` ${figure.unit}` : ''} (${c.qualifier})`,
        )
        .join(' · ');
      figures.append(
        el('li', {}, el('strong', {}, figure.label), ` [${figure.figureId}] `, claims),
      );
    }
    fill(
      this.root,
      el('h2', {}, story.title),
      el(
        'p',
        { class: 'muted' },
        `${story.status} · ${story.visibility} · version `,
        el('span', { 'data-story-version': String(story.version) }, String(story.version)),
      ),
      story.summary ? el('p', {}, story.summary) : null,
      story.figures.length ? el('h3', {}, 'Figures') : null,
      story.figures.length ? figures : null,
      el('h3', {}, `Entries (${story.entries.length})`),
      story.entries.length ? entries : el('p', { class: 'muted' }, 'No entries yet.'),
      el('div', { id: 'history', 'aria-live': 'polite' }),
    );
  }

  private entryItem(entry: Entry): HTMLElement {
    const flags = [entry.kind, entry.pinned ? 'pinned' : '', entry.retracted ? 'retracted' : '']
      .filter(Boolean)
      .join(', ');
    const text = entry.retracted
      ? `Retracted: ${entry.retracted.reason}`
      : textOfHtml(entry.body ?? '').slice(0, 160);
    const pick = el('button', { type: 'button', class: 'link' }, entry.entryId);
    pick.addEventListener('click', () => this.onPick(entry.entryId));
    const history = el('button', { type: 'button', class: 'link' }, 'history');
    history.addEventListener('click', () => void this.showHistory(entry.entryId));
    return el(
      'li',
      { 'data-console-entry': entry.entryId },
      pick,
      ` (${flags}) `,
      history,
      el('div', { class: 'excerpt' }, text),
    );
  }

  private async showHistory(entryId: string): Promise<void> {
    const target = this.root.querySelector<HTMLElement>('#history');
    if (!target || !this.storyId) return;
    const url = `${this.gateway}/api/stories/${encodeURIComponent(this.storyId)}/entries/${encodeURIComponent(entryId)}/history`;
    fill(target, el('p', { class: 'muted' }, `Loading the history of ${entryId}…`));
    const response = await fetch(url).catch(() => null);
    if (!response?.ok) {
      fill(
        target,
        el(
          'p',
          { class: 'muted' },
          `No history for ${entryId} (${response?.status ?? 'network error'}).`,
        ),
      );
      return;
    }
    const { revisions } = (await response.json()) as { revisions: EntryRevision[] };
    const rows = revisions.map((r) =>
      el(
        'tr',
        {},
        el('td', {}, String(r.version)),
        el('td', {}, r.type),
        el('td', {}, r.author),
        el('td', {}, new Date(r.occurredAt).toLocaleString()),
        el('td', {}, r.body === null ? '—' : textOfHtml(r.body).slice(0, 120)),
        el('td', {}, r.correction ?? r.reason ?? ''),
      ),
    );
    fill(
      target,
      el('h3', {}, `History of ${entryId}`),
      el(
        'table',
        { 'data-history': entryId },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Version', 'Change', 'By', 'When', 'Body after', 'Note'].map((h) =>
              el('th', { scope: 'col' }, h),
            ),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  }
}
