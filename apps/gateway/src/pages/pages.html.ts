import type { StorySummary } from '@livefeed/event-store';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** A script may only run with the page's nonce; bodies are sanitised HTML and carry no script anyway. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' https: data:",
    "connect-src 'self' ws: wss:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin:.2rem 0}.meta{color:#666;font-size:.9rem}.live{color:#c00;font-weight:600}
article{border-top:1px solid #ddd;padding:.6rem 0}article.pinned{background:#fffbe6}article.breaking h3{color:#c00}
.retracted{color:#888;font-style:italic}.figures{display:flex;flex-wrap:wrap;gap:.6rem}.figure{border:1px solid #ddd;padding:.4rem .6rem}
ul.stories{list-style:none;padding:0}ul.stories li{padding:.4rem 0;border-bottom:1px solid #eee}`;

export function storyListPage(stories: readonly StorySummary[]): string {
  const items = stories
    .map(
      (s) =>
        `<li><a href="/stories/${encodeURIComponent(s.id)}">${escapeHtml(s.title)}</a> ` +
        `<span class="meta">${s.status === 'live' ? '<span class="live">LIVE</span>' : 'closed'} · updated ${escapeHtml(s.updatedAt)}</span></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Live stories</title><style>${STYLE}</style></head>
<body><h1>Live stories</h1>
${stories.length === 0 ? '<p>No story yet.</p>' : `<ul class="stories">\n${items}\n</ul>`}
</body></html>`;
}

/**
 * The reader's live page, built on the subscriber SDK (`/assets/livefeed-client.js`): the SDK folds
 * events with the domain's own `evolve`, resumes gaplessly after a reconnect and reports its status;
 * the page only renders. A private story's token may be given as `#token=…` (kept out of server logs).
 */
export function readerPage(storyId: string, nonce: string): string {
  const id = JSON.stringify(storyId).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(storyId)}</title><style>${STYLE}</style></head>
<body>
<p class="meta"><a href="/">All stories</a> · <span id="status">connecting…</span> · <span id="audience"></span></p>
<h1 id="title">${escapeHtml(storyId)}</h1>
<p id="summary"></p>
<div id="figures" class="figures"></div>
<div id="entries"></div>
<script src="/assets/livefeed-client.js"></script>
<script nonce="${nonce}">
(function () {
  var storyId = ${id};
  var token = new URLSearchParams(location.hash.slice(1)).get('token') || new URLSearchParams(location.search).get('token');
  var $ = function (id) { return document.getElementById(id); };
  var text = function (s) { var d = document.createElement('div'); d.textContent = s == null ? '' : String(s); return d.innerHTML; };
  function render(state) {
    document.title = state.title;
    $('title').textContent = state.title;
    $('summary').textContent = state.summary || '';
    $('figures').innerHTML = state.figures.map(function (f) {
      return '<div class="figure"><b>' + text(f.label) + '</b><br>' + f.bySource.map(function (c) {
        return text(c.qualifier === 'exact' ? '' : c.qualifier) + ' ' + text(c.value) + ' ' + text(f.unit || '') + ' (' + text(c.source.name) + ')';
      }).join('<br>') + '</div>';
    }).join('');
    var entries = state.entries.slice().sort(function (a, b) { return (b.pinned - a.pinned); });
    // Bodies are sanitised by the service (docs/protocol.md, "Reports in"); everything else is escaped here.
    $('entries').innerHTML = entries.map(function (e) {
      var body = e.retracted ? '<p class="retracted">Retracted: ' + text(e.retracted.reason) + '</p>' : e.body;
      var corrections = e.corrections.map(function (c) { return '<p class="meta">Correction: ' + text(c.note) + '</p>'; }).join('');
      return '<article class="' + text(e.kind) + (e.pinned ? ' pinned' : '') + '"><h3 class="meta">' + text(e.postedAt) + ' · ' + text(e.kind) +
        (e.source ? ' · ' + text(e.source.name) : '') + '</h3>' + body + corrections + '</article>';
    }).join('');
  }
  // No transport options: the SDK connects WebSocket first, which needs no sticky sessions.
  var client = Livefeed.createLivefeedClient(token ? { token: token } : {});
  client.subscribe(storyId, {
    onState: render,
    onStatus: function (status) { $('status').textContent = status === 'catching-up' ? 'catching up…' : status; },
    onAudience: function (count) { $('audience').textContent = count + ' reading'; },
    onError: function (error) {
      // Withdrawn for good (the token expired): updates stopped, what is shown stays.
      $('status').textContent = error.code === 'revoked' ? 'access expired: reload with a new link to follow the story again' : error.message;
    },
  });
})();
</script>
</body></html>`;
}
