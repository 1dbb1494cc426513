import sanitizeHtml from 'sanitize-html';

/**
 * Entry bodies are HTML written by newsroom tools and pushed verbatim into every
 * reader's page, so the allow-list is deliberately small: text structure and
 * emphasis, quotes, code, links and images. Nothing that runs, styles or
 * identifies itself (no script, no event handlers, no style, class or id).
 */
// prettier-ignore
const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h2', 'h3', 'h4', 'blockquote', 'figure', 'figcaption', // blocks
  'ul', 'ol', 'li', 'pre', 'code', // lists and code
  'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', // emphasis
  'q', 'cite', 'abbr', 'a', 'img', // quotes, links, images
];

/**
 * Elements whose content is not reader text: dropped with their content rather
 * than unwrapped. Raw-text elements (script, style, iframe, xmp, plaintext…) and
 * foreign content (svg, math) are where mutation-XSS lives.
 */
// prettier-ignore
const DROPPED_WITH_CONTENT = [
  'script', 'style', 'iframe', 'noscript', 'noembed', 'noframes', 'template', // raw text and scripting
  'textarea', 'option', 'select', 'xmp', 'plaintext', 'title', 'object', // form controls and oddities
  'svg', 'math', // foreign content
];

const WEB = ['http', 'https'] as const;
const WEB_OR_MAIL = ['http', 'https', 'mailto'] as const;

/** Deep markup adds nothing to a live-blog post and costs every reader's browser. */
const NESTING_LIMIT = 32;

/** Links leave the page: no opener access, no referrer, no endorsement of the target. */
const LINK_REL = 'noopener noreferrer nofollow';

type Attributes = sanitizeHtml.Attributes;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'title', 'target', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    blockquote: ['cite'],
    q: ['cite'],
    abbr: ['title'],
  },
  allowedClasses: {},
  // Second line of defence: the transforms below already admit only absolute
  // http(s)/mailto URLs, and sanitize-html re-checks the scheme of every URI
  // attribute we allow.
  allowedSchemes: [...WEB_OR_MAIL],
  allowedSchemesByTag: { img: [...WEB], blockquote: [...WEB], q: [...WEB] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: DROPPED_WITH_CONTENT,
  nestingLimit: NESTING_LIMIT,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: linkAttributes(attribs) }),
    img: (tagName, attribs) => ({ tagName, attribs: imageAttributes(attribs) }),
    blockquote: (tagName, attribs) => ({ tagName, attribs: quoteAttributes(attribs) }),
    q: (tagName, attribs) => ({ tagName, attribs: quoteAttributes(attribs) }),
  },
  // An image without a safe source shows nothing; a link without a safe target is just text.
  exclusiveFilter: (frame) => {
    if (frame.tag === 'img') return frame.attribs.src === undefined;
    if (frame.tag === 'a') return frame.attribs.href === undefined ? 'excludeTag' : false;
    return false;
  },
};

/**
 * Sanitises an entry body to the safe allow-list of docs/protocol.md, "Reports in".
 *
 * URI attributes (`a[href]`, `img[src]`, `blockquote[cite]`, `q[cite]`) are kept
 * only when they are absolute `http:`/`https:` URLs (`mailto:` too for links) with
 * no control characters or inner whitespace; anything else, however it is
 * spelled or encoded, loses the attribute. Every kept link gets
 * `rel="noopener noreferrer nofollow"`; `target` survives only as `_blank`.
 * Attributes are re-emitted in a fixed order, so equal input gives equal output.
 */
export function sanitizeBody(html: string): string {
  return isAlreadyClean(html) ? html : sanitizeBodyFully(html);
}

/**
 * `sanitizeBody` without the shortcut for bodies already clean (for tests and comparisons).
 *
 * One pass is not always a fixed point: `<p><a href="javascript:…"><p>` nests the second `<p>` in
 * the link, the link goes, and `<p><p></p></p>` comes out, which an HTML parser (a reader's browser,
 * or the next pass) reads as other markup. Passes repeat until the output stays as it is, so what is
 * stored is what any later sanitising or parsing of it gives back.
 */
export function sanitizeBodyFully(html: string): string {
  let out = sanitizeHtml(html, OPTIONS);
  for (let pass = 1; pass < MAX_PASSES; pass += 1) {
    const again = sanitizeHtml(out, OPTIONS);
    if (again === out) return out;
    out = again;
  }
  return out;
}

/** Two passes settle every body seen so far; the bound only keeps a pathological one finite. */
const MAX_PASSES = 4;

/**
 * Inline tags that take no attributes, so that `<tag>` is exactly how the sanitiser writes them, and
 * that never open or close anything implicitly in an HTML parser.
 */
// prettier-ignore
const PLAIN_INLINE = new Set([
  'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', 'code', 'cite', 'q',
]);
const CLEAN_DEPTH_LIMIT = 8;
/** A bare tag, or a character that a tag, an entity or escaping would start. */
const CLEAN_TOKEN = /<(\/?)([a-z]+)>|[<>&]/g;

/**
 * True for the common body that the sanitiser would return unchanged: text without `<`, `>` or `&`,
 * in top-level `<p>` blocks and attribute-less inline tags, opened and closed in strict nesting.
 * Anything else — attributes, entities, other tags, stray or unbalanced tags, upper case — takes
 * the full sanitiser. It is an optimisation only (sanitising costs about 20 µs a body): what it
 * accepts holds nothing but allow-listed tags without attributes, and a property test checks that
 * sanitize-html returns every such body unchanged.
 */
export function isAlreadyClean(html: string): boolean {
  const open: string[] = [];
  CLEAN_TOKEN.lastIndex = 0;
  for (let m = CLEAN_TOKEN.exec(html); m !== null; m = CLEAN_TOKEN.exec(html)) {
    const tag = m[2];
    if (tag === undefined) return false;
    if (m[1] === '/') {
      if (open.pop() !== tag) return false;
    } else {
      if (tag === 'p' ? open.length > 0 : !PLAIN_INLINE.has(tag)) return false;
      if (open.length >= CLEAN_DEPTH_LIMIT) return false;
      open.push(tag);
    }
  }
  return open.length === 0;
}

function linkAttributes(attribs: Attributes): Attributes {
  const href = safeUrl(attribs.href, WEB_OR_MAIL);
  if (href === undefined) return {};
  return {
    href,
    ...(attribs.title ? { title: attribs.title } : {}),
    ...(attribs.target === '_blank' ? { target: '_blank' } : {}),
    rel: LINK_REL,
  };
}

function imageAttributes(attribs: Attributes): Attributes {
  const src = safeUrl(attribs.src, WEB);
  if (src === undefined) return {};
  return {
    src,
    alt: attribs.alt ?? '',
    ...(attribs.title ? { title: attribs.title } : {}),
    ...(isPixels(attribs.width) ? { width: attribs.width } : {}),
    ...(isPixels(attribs.height) ? { height: attribs.height } : {}),
  };
}

function quoteAttributes(attribs: Attributes): Attributes {
  const cite = safeUrl(attribs.cite, WEB);
  return cite === undefined ? {} : { cite };
}

function isPixels(value: string | undefined): value is string {
  return value !== undefined && /^[0-9]{1,4}$/.test(value);
}

/** Leading and trailing ASCII whitespace is what HTML itself strips from a URL attribute. */
const EDGE_WHITESPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;
/**
 * Browsers silently delete tabs and newlines inside URLs and tolerate other
 * control characters, which is how `java\tscript:` slips past naive checks; a
 * URL containing any of them (or a raw space) is refused rather than repaired.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f]/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * The attribute value (entities already decoded by the parser) when it is an
 * absolute URL whose scheme is allowed, else undefined. Relative and
 * protocol-relative URLs are refused: a body is rendered on pages we do not
 * control the base URL of.
 */
function safeUrl(raw: string | undefined, schemes: readonly string[]): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.replace(EDGE_WHITESPACE, '');
  if (CONTROL_OR_SPACE.test(value)) return undefined;
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined || !schemes.includes(scheme)) return undefined;
  // `https:example.com` and `https:/\host` parse as https URLs but are spelled
  // unlike any real link; insist on the authority form for web URLs.
  if (scheme !== 'mailto' && !value.slice(scheme.length + 1).startsWith('//')) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === `${scheme}:` ? value : undefined;
}
