import {
  absoluteTime,
  figureHtml,
  partitionEntries,
  entryHtml,
  storyHead,
} from '../render/story.render';
import type { StoryApi } from './story.api';
import { localizeTimes } from './times';

/** How long the reader's hand must rest before a version is fetched. */
const DEBOUNCE_MS = 200;
/** Entries shown of a past version. */
const ENTRIES = 100;

/**
 * The history scrubber: a range over the story's versions 1..head. Dragging it shows the story as it
 * stood at that version (`GET /api/stories/:id?at=<v>`); "Back to live" (or the head) returns to the
 * live state, which kept folding every event meanwhile, so nothing is missed.
 */
export class Scrubber {
  active = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private asked = 0;
  private readonly label: HTMLElement;
  private readonly back: HTMLButtonElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly range: HTMLInputElement,
    private readonly api: StoryApi,
    private readonly live: { leave(): void },
  ) {
    this.label = root.querySelector<HTMLElement>('[data-scrubber-label]')!;
    this.back = root.querySelector<HTMLButtonElement>('[data-back-to-live]')!;
    root.querySelector<HTMLElement>('[data-scrubber-box]')!.hidden = false;
    range.addEventListener('input', () => this.moved());
    this.back.addEventListener('click', () => this.toLive());
  }

  setHead(version: number): void {
    this.range.max = String(version);
    if (!this.active) {
      this.range.value = String(version);
      this.range.setAttribute('aria-valuetext', `version ${version} (live)`);
    }
  }

  private moved(): void {
    clearTimeout(this.timer);
    const version = Number(this.range.value);
    if (version >= Number(this.range.max)) return this.toLive();
    this.active = true;
    this.root.dataset.scrubbing = 'true';
    this.back.hidden = false;
    this.label.textContent = `Version ${version} of ${this.range.max}…`;
    this.timer = setTimeout(() => void this.show(version), DEBOUNCE_MS);
  }

  private async show(version: number): Promise<void> {
    const ask = ++this.asked;
    try {
      const state = await this.api.state({ at: version, entries: ENTRIES });
      const note = state.status === 'closed' ? await this.api.closingNote(state.version) : null;
      if (ask !== this.asked || !this.active) return;
      const { pinned, rest } = partitionEntries(state.entries);
      const set = (selector: string, markup: string) => {
        const el = this.root.querySelector<HTMLElement>(selector)!;
        el.innerHTML = markup;
        return el;
      };
      set('[data-story-head]', storyHead(state, note, true).markup);
      set(
        '[data-figures]',
        state.figures.map((f) => figureHtml(f).markup).join(''),
      ).parentElement!.hidden = state.figures.length === 0;
      set('[data-pinned-list]', pinned.map((e) => entryHtml(e).markup).join('')).hidden =
        pinned.length === 0;
      set('[data-entries]', rest.map((e) => entryHtml(e).markup).join(''));
      this.root.dataset.version = String(state.version);
      this.label.textContent = `Version ${state.version} of ${this.range.max}, ${absoluteTime(state.updatedAt)}`;
      this.range.setAttribute('aria-valuetext', `version ${state.version}`);
      localizeTimes(this.root);
    } catch {
      if (ask === this.asked) this.label.textContent = `Version ${version} could not be loaded`;
    }
  }

  private toLive(): void {
    clearTimeout(this.timer);
    this.asked++;
    this.range.value = this.range.max;
    this.range.setAttribute('aria-valuetext', `version ${this.range.max} (live)`);
    this.label.textContent = 'Live';
    this.back.hidden = true;
    if (!this.active) return;
    this.active = false;
    delete this.root.dataset.scrubbing;
    this.live.leave();
  }
}
