/**
 * The console's one way of putting data on the page: elements built with attributes set by
 * `setAttribute` and text by text nodes, never HTML strings. Whatever a report carries stays text.
 */

type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * The text of a sanitised HTML body, for the console's compact view of an entry. Parsed in an inert
 * document (no script runs, nothing loads), then only its text is used.
 */
export function textOfHtml(html: string): string {
  // A space after each block, so that "<h3>Title</h3><p>Text</p>" reads "Title Text".
  const spaced = html.replace(
    /<\/(p|h[1-6]|li|div|blockquote|dd|dt|tr|figcaption)>|<br\s*\/?>/gi,
    '$& ',
  );
  return (new DOMParser().parseFromString(spaced, 'text/html').body.textContent ?? '').trim();
}

export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`console: #${id} is missing from the page`);
  return node as T;
}
