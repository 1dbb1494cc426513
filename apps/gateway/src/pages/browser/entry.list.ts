import type { Entry } from '@livefeed/domain/story.state';
import { entryAttributes, entryContent, entryHtml } from '../render/story.render';
import { localizeTimes } from './times';

/**
 * The entries in the DOM, keyed by entry id: an entry's element is made once and then changed in
 * place (an edit, a correction, a retraction, a pin keep the same `<article>`); adding or moving
 * entries only inserts or moves elements, never re-renders the list.
 */
export class EntryList {
  private readonly elements = new Map<string, HTMLElement>();

  constructor(
    private readonly pinned: HTMLElement,
    private readonly rest: HTMLElement,
  ) {
    for (const el of Array.from(
      pinned.parentElement!.querySelectorAll<HTMLElement>('article[data-entry-id]'),
    )) {
      this.elements.set(el.dataset.entryId!, el);
    }
  }

  /** Forgets every element: the next `arrange` makes them anew. */
  reset(): void {
    this.elements.clear();
    this.pinned.replaceChildren();
    this.rest.replaceChildren();
  }

  /** Changes one entry's element in place, if it is shown. */
  patch(entry: Entry): void {
    const el = this.elements.get(entry.entryId);
    if (!el) return;
    for (const [name, value] of Object.entries(entryAttributes(entry))) {
      if (el.getAttribute(name) !== value) el.setAttribute(name, value);
    }
    el.innerHTML = entryContent(entry).markup;
    localizeTimes(el);
  }

  /** Puts the entries in the DOM in this order: pinned ones in their section, the rest below. */
  arrange(entries: readonly Entry[], extras: ReadonlySet<string>): void {
    const wanted = new Set(entries.map((e) => e.entryId));
    for (const [id, el] of this.elements) {
      if (!wanted.has(id)) {
        el.remove();
        this.elements.delete(id);
      }
    }
    place(
      this.pinned,
      entries.filter((e) => e.pinned).map((e) => this.element(e, extras)),
    );
    place(
      this.rest,
      entries.filter((e) => !e.pinned).map((e) => this.element(e, extras)),
    );
    this.pinned.hidden = this.pinned.children.length === 0;
  }

  /** Adds older entries below the ones shown, without touching anything above the reader. */
  appendOlder(entries: readonly Entry[], extras: ReadonlySet<string>): void {
    for (const entry of entries) {
      if (entry.pinned) continue;
      this.rest.appendChild(this.element(entry, extras));
    }
    // Highlights fetched ahead of the pages stay after everything loaded in order.
    for (const id of extras) {
      const el = this.elements.get(id);
      if (el && el.parentElement === this.rest) this.rest.appendChild(el);
    }
  }

  private element(entry: Entry, extras: ReadonlySet<string>): HTMLElement {
    let el = this.elements.get(entry.entryId);
    if (!el) {
      const template = document.createElement('template');
      template.innerHTML = entryHtml(entry).markup;
      el = template.content.firstElementChild as HTMLElement;
      localizeTimes(el);
      this.elements.set(entry.entryId, el);
    }
    el.toggleAttribute('data-extra', extras.has(entry.entryId));
    return el;
  }
}

/** Puts `elements` as the children of `parent` in order, moving only what is out of place. */
function place(parent: HTMLElement, elements: readonly HTMLElement[]): void {
  elements.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
  while (parent.children.length > elements.length) parent.lastElementChild!.remove();
}
