/**
 * The one escaping path of the pages (docs/protocol.md, "Pages"): markup is only ever made with the
 * `html` template, which escapes every value put into it unless that value is itself markup made by
 * `html`, or an entry body, which the domain sanitised before it was stored (`sanitisedBody`).
 * The server render, the live page's patches and the embed all build their markup here.
 */
class Markup {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

/** Markup that is safe to put into a page. Only this module can make one: the class is not exported. */
export type Html = Markup;

type Value = Markup | string | number | boolean | null | undefined | readonly Value[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

function piece(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.markup;
  if (Array.isArray(value)) return value.map(piece).join('');
  return escapeHtml(String(value));
}

/** Markup with every interpolated value escaped (arrays are joined; null, undefined and false vanish). */
const compacted = new WeakMap<TemplateStringsArray, readonly string[]>();

/**
 * The template's own text without the line breaks and indentation of the source (a formatter lays
 * templates out over lines): none between tags, one space elsewhere. Values are never touched.
 */
function compact(template: TemplateStringsArray): readonly string[] {
  let parts = compacted.get(template);
  if (!parts) {
    parts = template.map((s) => s.replace(/>\s*\n\s*</g, '><').replace(/\s*\n\s*/g, ' '));
    compacted.set(template, parts);
  }
  return parts;
}

export function html(template: TemplateStringsArray, ...values: readonly Value[]): Html {
  const strings = compact(template);
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new Markup(out);
}

/**
 * An entry body as stored: the domain's sanitiser (libs/domain/src/body.sanitizer.ts) already let
 * through only its allow-list, so it goes into the page as markup. Nothing else may.
 */
export function sanitisedBody(body: string): Html {
  return new Markup(body);
}

/**
 * A URL for an `href`: only absolute http(s) (sources are validated so by the domain; this is the
 * second lock), else null and the caller shows text without a link.
 */
export function safeHref(url: string | undefined | null): string | null {
  if (typeof url !== 'string') return null;
  return /^https?:\/\/[^\s"'<>`]+$/i.test(url) ? url : null;
}

/**
 * JSON inside a `<script>` element (structured data, the page's state): `<`, `>`, `&` and the two
 * line separators JavaScript once refused are written as escapes, so no value can end the element.
 */
export function jsonForScript(value: unknown): Html {
  const json = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return new Markup(json);
}
