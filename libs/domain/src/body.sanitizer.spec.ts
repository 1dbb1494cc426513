import fc from 'fast-check';
import { isAlreadyClean, sanitizeBody, sanitizeBodyFully } from './body.sanitizer';

/**
 * Ways of writing a dangerous scheme that browsers still execute: case, entity
 * encoding (decimal and hex, padded, with and without the semicolon), named
 * entities for tab and newline and colon, raw control characters inside the
 * scheme, and leading whitespace.
 */
const HOSTILE_URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'JAVASCRIPT:alert(1)',
  ' javascript:alert(1)',
  '   \t\n javascript:alert(1)',
  '\u0001javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java\rscript:alert(1)',
  'java\u0000script:alert(1)',
  'javascript\u0000:alert(1)',
  '&#106;avascript:alert(1)',
  '&#106avascript:alert(1)',
  '&#0000106;avascript:alert(1)',
  '&#0000106&#0000097&#0000118&#0000097script:alert(1)',
  '&#x6A;avascript:alert(1)',
  '&#X6A;avascript:alert(1)',
  '&#x0006A;avascript:alert(1)',
  'javas&#x63ript:alert(1)',
  'javas&#99ript:alert(1)',
  'java&Tab;script:alert(1)',
  'java&NewLine;script:alert(1)',
  'java&#9;script:alert(1)',
  'java&#x09;script:alert(1)',
  'java&#10script:alert(1)',
  'javascript&colon;alert(1)',
  '&#32;javascript:alert(1)',
  '&#x20;javascript:alert(1)',
  '&#0;javascript:alert(1)',
  'vbscript:msgbox(1)',
  'VBScript:msgbox(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'DATA:text/html,<script>alert(1)</script>',
  ' data:image/svg+xml,<svg onload=alert(1)>',
  'data:image/png;base64,iVBORw0KGgo=',
  '&#100;ata:text/html,x',
  'file:///etc/passwd',
  'ftp://files.example/x',
  'tel:+100',
  '//evil.example/x',
  ' //evil.example/x',
  '\\\\evil.example/x',
  '/\\evil.example/x',
  'https:evil.example',
  'https:/evil.example',
  'https:\\\\evil.example',
  'relative/path',
  '/absolute/path',
  '#fragment',
];

/** Every URI attribute the allow-list admits, with a benign counterpart that is kept. */
const URI_SITES = [
  { name: 'a[href]', html: (url: string) => `<a href="${url}">link</a>`, attribute: 'href' },
  { name: 'img[src]', html: (url: string) => `<img src="${url}" alt="photo">`, attribute: 'src' },
  {
    name: 'blockquote[cite]',
    html: (url: string) => `<blockquote cite="${url}">quote</blockquote>`,
    attribute: 'cite',
  },
  { name: 'q[cite]', html: (url: string) => `<q cite="${url}">quote</q>`, attribute: 'cite' },
];

describe('a body of ordinary markup', () => {
  it('comes through unchanged', () => {
    const body =
      '<h2>Overnight</h2><p>Shelling <strong>reported</strong> in <em>Stepanakert</em>.</p>' +
      '<ul><li>one</li><li>two</li></ul><blockquote><p>We saw it.</p></blockquote>' +
      '<figure><img src="https://cdn.example/a.jpg" alt="Smoke" /><figcaption>Smoke</figcaption></figure>' +
      '<p>H<sub>2</sub>O, x<sup>2</sup>, <code>a &lt; b</code>, <s>old</s> <u>u</u> <i>i</i> <b>b</b></p>' +
      '<pre>pre</pre><hr /><p>line<br />break</p><h3>h3</h3><h4>h4</h4>';
    expect(sanitizeBody(body)).toBe(body);
  });

  it('keeps text an escaped text', () => {
    expect(sanitizeBody('<p>5 &lt; 6 &amp; "quotes" &gt; 4</p>')).toBe(
      '<p>5 &lt; 6 &amp; "quotes" &gt; 4</p>',
    );
  });

  it('unwraps elements outside the allow-list, keeping their text', () => {
    expect(
      sanitizeBody('<div><span class="x">Hello</span> <font color="red">world</font></div>'),
    ).toBe('Hello world');
  });

  it('turns a plain-text body into itself', () => {
    expect(sanitizeBody('Just text.')).toBe('Just text.');
  });
});

describe('a body with active content', () => {
  it.each([
    ['script', '<p>a</p><script>alert(1)</script><p>b</p>'],
    ['style', '<p>a</p><style>body{display:none}</style><p>b</p>'],
    ['iframe', '<p>a</p><iframe src="https://evil.example">fallback <b>text</b></iframe><p>b</p>'],
    ['noscript', '<p>a</p><noscript><img src="https://x.example/t.gif"></noscript><p>b</p>'],
    ['svg', '<p>a</p><svg onload="alert(1)"><script>alert(1)</script></svg><p>b</p>'],
    ['math', '<p>a</p><math><mi xlink:href="javascript:alert(1)">x</mi></math><p>b</p>'],
    ['template', '<p>a</p><template><img src=x onerror=alert(1)></template><p>b</p>'],
    ['textarea', '<p>a</p><textarea></textarea><img src=x onerror=alert(1)></textarea><p>b</p>'],
    ['object', '<p>a</p><object data="javascript:alert(1)">x</object><p>b</p>'],
  ])('drops %s with its content', (_tag, body) => {
    expect(sanitizeBody(body)).toBe('<p>a</p><p>b</p>');
  });

  it('drops embed and form controls', () => {
    expect(
      sanitizeBody(
        '<p>a<embed src="https://x.example/f.swf">b<input value="x"><button>c</button></p>',
      ),
    ).toBe('<p>abc</p>');
  });

  it('drops event handlers, inline styles, classes and ids', () => {
    expect(
      sanitizeBody(
        '<p onclick="alert(1)" onmouseover="x()" style="color:red" class="lead" id="top" data-x="1">Hi</p>',
      ),
    ).toBe('<p>Hi</p>');
  });

  it('drops an image that keeps no source, with its handler', () => {
    expect(sanitizeBody('<p><img src=x onerror=alert(1)>ok</p>')).toBe('<p>ok</p>');
  });

  it('drops comments and conditional comments', () => {
    expect(
      sanitizeBody('<!-- x --><p>a</p><!--[if IE]><script>alert(1)</script><![endif]-->'),
    ).toBe('<p>a</p>');
  });

  it('unwraps markup nested absurdly deep, keeping the text', () => {
    const deep = '<b>'.repeat(10_000) + 'deep' + '</b>'.repeat(10_000);
    const out = sanitizeBody(deep);
    expect(out).toContain('deep');
    expect(out.split('<b>').length - 1).toBeLessThanOrEqual(32);
  });
});

describe('a URI attribute', () => {
  describe.each(URI_SITES)('on $name', ({ html, attribute }) => {
    it.each(HOSTILE_URLS.map((url) => [JSON.stringify(url), url]))(
      'is dropped when it is %s',
      (_shown, url) => {
        const out = sanitizeBody(html(url));
        expect(out).not.toContain(`${attribute}=`);
        expect(out.toLowerCase()).not.toMatch(/javascript|vbscript|data:|file:|evil/);
      },
    );

    it('is kept when it is an https URL', () => {
      expect(sanitizeBody(html('https://news.example/a?b=1&amp;c=2'))).toContain(
        `${attribute}="https://news.example/a?b=1&amp;c=2"`,
      );
    });

    it('is kept, trimmed, when surrounded by spaces', () => {
      expect(sanitizeBody(html('  http://news.example/  '))).toContain(
        `${attribute}="http://news.example/"`,
      );
    });
  });

  it('is dropped whatever mix of case, entities and control characters spells javascript:', () => {
    const spelling = fc
      .array(
        fc.record({
          encode: fc.constantFrom('raw', 'upper', 'decimal', 'decimal-padded', 'hex', 'hex-upper'),
          noise: fc.constantFrom(
            '',
            '',
            '\t',
            '\n',
            '\r',
            '&#9;',
            '&#x0A;',
            '&Tab;',
            '&NewLine;',
            '\u0000',
          ),
        }),
        { minLength: 11, maxLength: 11 },
      )
      .map((choices) =>
        [...'javascript:']
          .map((ch, i) => {
            const { encode, noise } = choices[i];
            const code = ch.charCodeAt(0);
            const spelled = {
              raw: ch,
              upper: ch.toUpperCase(),
              decimal: `&#${code};`,
              'decimal-padded': `&#000${code};`,
              hex: `&#x${code.toString(16)};`,
              'hex-upper': `&#X${code.toString(16).toUpperCase()};`,
            }[encode];
            return noise + spelled;
          })
          .join(''),
      );
    fc.assert(
      fc.property(
        fc.constantFrom(...URI_SITES),
        fc.constantFrom('', ' ', '\t', '&#32;', '\u0001'),
        spelling,
        (site, lead, url) => {
          const out = sanitizeBody(site.html(`${lead}${url}alert(1)`));
          return !out.includes(`${site.attribute}=`);
        },
      ),
    );
  });

  it('drops srcset, which could smuggle a second, unchecked URL', () => {
    expect(
      sanitizeBody('<img src="https://cdn.example/a.jpg" srcset="javascript:alert(1) 2x" alt="a">'),
    ).toBe('<img src="https://cdn.example/a.jpg" alt="a" />');
  });
});

describe('a link', () => {
  it('gets rel="noopener noreferrer nofollow", whatever rel it had', () => {
    expect(sanitizeBody('<a href="https://news.example/" rel="opener">x</a>')).toBe(
      '<a href="https://news.example/" rel="noopener noreferrer nofollow">x</a>',
    );
  });

  it('keeps target only as _blank', () => {
    expect(sanitizeBody('<a href="https://a.example/" target="_blank">x</a>')).toBe(
      '<a href="https://a.example/" target="_blank" rel="noopener noreferrer nofollow">x</a>',
    );
    expect(sanitizeBody('<a href="https://a.example/" target="_top">x</a>')).toBe(
      '<a href="https://a.example/" rel="noopener noreferrer nofollow">x</a>',
    );
  });

  it('may be a mailto link', () => {
    expect(sanitizeBody('<a href="mailto:desk@news.example">mail us</a>')).toBe(
      '<a href="mailto:desk@news.example" rel="noopener noreferrer nofollow">mail us</a>',
    );
  });

  it('is reduced to its text when its target is refused', () => {
    expect(sanitizeBody('<p>See <a href="javascript:alert(1)">this</a>.</p>')).toBe(
      '<p>See this.</p>',
    );
  });

  it('cannot break out of its attribute', () => {
    expect(sanitizeBody('<a href="https://a.example/&quot;onmouseover=alert(1)">x</a>')).toBe(
      '<a href="https://a.example/&quot;onmouseover=alert(1)" rel="noopener noreferrer nofollow">x</a>',
    );
  });
});

describe('an image', () => {
  it('is not allowed a mailto source', () => {
    expect(sanitizeBody('<img src="mailto:a@b.example">')).toBe('');
  });

  it('keeps alt, title and pixel sizes, and gets an empty alt when it has none', () => {
    expect(
      sanitizeBody(
        '<img title="t" width="640" height="50%" src="https://cdn.example/a.jpg" onload="x()">',
      ),
    ).toBe('<img src="https://cdn.example/a.jpg" alt="" title="t" width="640" />');
  });
});

describe('the output', () => {
  it('lists attributes in one order, whatever order they came in', () => {
    expect(
      sanitizeBody('<a rel="x" target="_blank" title="t" href="https://a.example/">x</a>'),
    ).toBe(sanitizeBody('<a href="https://a.example/" title="t" target="_blank" rel="y">x</a>'));
  });

  it.each([
    '<p><a href="javascript:alert(1)"><p>',
    '<p><a href="javascript:alert(1)"><p>x</p></a></p>',
    '<ul><li><a><li>x',
  ])('is a fixed point even where one pass of the sanitiser is not: %s', (body) => {
    const once = sanitizeBody(body);
    expect(sanitizeBody(once)).toBe(once);
    expect(sanitizeBodyFully(once)).toBe(once);
  });

  it('is the same every time for the same body, and a fixed point', () => {
    const fragment = fc.constantFrom(
      '<p>',
      '</p>',
      '<a href="https://a.example/?x=1&amp;y=2">',
      '<a href="javascript:alert(1)">',
      '</a>',
      '<img src="https://cdn.example/i.png" alt="&quot;q&quot;">',
      '<script>',
      '</script>',
      '<b>',
      '</b>',
      '<ul><li>',
      '&amp;',
      '&lt;',
      '<',
      '>',
      '"',
      "'",
      'text',
      ' ',
      '<!--',
      '-->',
      '<br>',
    );
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join('')),
        (body) => {
          const once = sanitizeBody(body);
          expect(sanitizeBody(body)).toBe(once);
          expect(sanitizeBody(once)).toBe(once);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the shortcut for bodies already clean', () => {
  const INLINE = [
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'del',
    'ins',
    'mark',
    'small',
    'sub',
    'sup',
    'code',
    'cite',
    'q',
  ];
  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom(
        ' ',
        '"',
        "'",
        '\n',
        '\r',
        '\t',
        '=',
        '/',
        ';',
        '#',
        '\u00a0',
        '\u2028',
        'é',
        '😀',
        '\u0001',
        '`',
      ),
      fc.string({ unit: 'grapheme', maxLength: 3 }).filter((t) => !/[<>&]/.test(t)),
    ),
    maxLength: 12,
  });
  /** Bodies in the shortcut's grammar: `<p>` blocks of text and nested inline tags. */
  const inline: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc
        .tuple(fc.constantFrom(...INLINE), fc.array(tie('node'), { maxLength: 3 }))
        .map(([tag, kids]) => `<${tag}>${kids.join('')}</${tag}>`),
    ),
  })).node;
  const clean = fc
    .array(
      fc.oneof(
        inline,
        fc.array(inline, { maxLength: 4 }).map((kids) => `<p>${kids.join('')}</p>`),
      ),
      { maxLength: 5 },
    )
    .map((parts) => parts.join(''));

  it('takes only bodies that sanitize-html returns unchanged', () => {
    let taken = 0;
    fc.assert(
      fc.property(clean, (body) => {
        if (!isAlreadyClean(body)) return;
        taken += 1;
        expect(sanitizeBodyFully(body)).toBe(body);
      }),
      { numRuns: 2000 },
    );
    // Only bodies nested deeper than the shortcut's limit may fall outside it.
    expect(taken).toBeGreaterThan(1900);
  });

  it('takes most bodies of that grammar (within its depth limit)', () => {
    expect(
      isAlreadyClean('<p>Shelling <em>near</em> the "river"; it\'s <strong>bad</strong>.</p>'),
    ).toBe(true);
    expect(isAlreadyClean('plain text, no markup at all')).toBe(true);
    expect(isAlreadyClean('')).toBe(true);
  });

  it.each([
    ['an attribute', '<p class="x">a</p>'],
    ['an entity', '<p>a &amp; b</p>'],
    ['a stray <', 'a < b'],
    ['a stray >', 'a > b'],
    ['a tag outside the set', '<p><a>x</a></p>'],
    ['a script', '<script>alert(1)</script>'],
    ['upper case', '<P>x</P>'],
    ['a void tag', 'a<br>b'],
    ['a p inside a p', '<p><p>x</p></p>'],
    ['a p inside inline', '<em><p>x</p></em>'],
    ['an unclosed tag', '<p>x'],
    ['a stray close', 'x</p>'],
    ['crossed tags', '<b><i>x</b></i>'],
    ['a comment', '<!-- x -->'],
    ['deep nesting', '<b>'.repeat(9) + 'x' + '</b>'.repeat(9)],
  ])('leaves a body with %s to the full sanitiser', (_what, body) => {
    expect(isAlreadyClean(body)).toBe(false);
    expect(sanitizeBody(body)).toBe(sanitizeBodyFully(body));
  });

  it('gives what the full sanitiser gives, for any body', () => {
    const fragment = fc.constantFrom(
      '<p>',
      '</p>',
      '<b>',
      '</b>',
      '<em>',
      '</em>',
      '<q>',
      '</q>',
      '<a>',
      '<br>',
      '&',
      '<',
      '>',
      'x',
      '"',
      ' ',
    );
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 20 }).map((p) => p.join('')),
        (body) => {
          expect(sanitizeBody(body)).toBe(sanitizeBodyFully(body));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
