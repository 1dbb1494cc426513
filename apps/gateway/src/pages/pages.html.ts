import type { StoryListing } from '../infra/story.reader';

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

export function storyListPage(stories: readonly StoryListing[]): string {
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
 * The reader's live page: a snapshot, then events applied as they come, resuming with `since` after
 * a reconnect. A private story's token may be given as `#token=…` (kept out of server logs).
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
<script src="/socket.io/socket.io.js"></script>
<script nonce="${nonce}">
(function () {
  var storyId = ${id};
  var token = new URLSearchParams(location.hash.slice(1)).get('token') || new URLSearchParams(location.search).get('token');
  var state = null;
  var $ = function (id) { return document.getElementById(id); };
  var text = function (s) { var d = document.createElement('div'); d.textContent = s == null ? '' : String(s); return d.innerHTML; };
  function render() {
    if (!state) return;
    document.title = state.title;
    $('title').textContent = state.title;
    $('summary').textContent = state.summary || '';
    $('figures').innerHTML = state.figures.map(function (f) {
      return '<div class="figure"><b>' + text(f.label) + '</b><br>' + f.bySource.map(function (c) {
        return text(c.qualifier === 'exact' ? '' : c.qualifier) + ' ' + text(c.value) + ' ' + text(f.unit || '') + ' (' + text(c.source.name) + ')';
      }).join('<br>') + '</div>';
    }).join('');
    var entries = state.entries.slice().sort(function (a, b) { return (b.pinned - a.pinned); });
    $('entries').innerHTML = entries.map(function (e) {
      var body = e.retracted ? '<p class="retracted">Retracted: ' + text(e.retracted.reason) + '</p>' : e.body;
      var corrections = e.corrections.map(function (c) { return '<p class="meta">Correction: ' + text(c.note) + '</p>'; }).join('');
      return '<article class="' + text(e.kind) + (e.pinned ? ' pinned' : '') + '"><h3 class="meta">' + text(e.postedAt) + ' · ' + text(e.kind) +
        (e.source ? ' · ' + text(e.source.name) : '') + '</h3>' + body + corrections + '</article>';
    }).join('');
  }
  function entry(id) { return state.entries.find(function (e) { return e.entryId === id; }); }
  function apply(ev) {
    var d = ev.data, e;
    state.version = ev.version;
    switch (ev.type) {
      case 'story.updated': if (d.title !== undefined) state.title = d.title; if (d.summary !== undefined) state.summary = d.summary; break;
      case 'story.closed': state.status = 'closed'; break;
      case 'story.reopened': state.status = 'live'; break;
      case 'entry.posted':
        state.entries.unshift({ entryId: d.entryId, kind: d.kind, body: d.body, author: ev.author, source: d.source || null,
          postedAt: ev.occurredAt, editedAt: null, corrections: [], pinned: false, retracted: null });
        break;
      case 'entry.edited': e = entry(d.entryId); if (e) { e.body = d.body; e.editedAt = ev.occurredAt; if (d.correction) e.corrections.push({ note: d.correction, at: ev.occurredAt }); } break;
      case 'entry.retracted': e = entry(d.entryId); if (e) { e.body = null; e.retracted = { reason: d.reason, at: ev.occurredAt }; } break;
      case 'entry.pinned': e = entry(d.entryId); if (e) e.pinned = true; break;
      case 'entry.unpinned': e = entry(d.entryId); if (e) e.pinned = false; break;
      case 'figure.reported':
        var f = state.figures.find(function (x) { return x.figureId === d.figureId; });
        if (!f) { f = { figureId: d.figureId, label: d.label, unit: d.unit, bySource: [] }; state.figures.push(f); }
        f.label = d.label; f.unit = d.unit;
        var claim = { source: d.source, value: d.value, qualifier: d.qualifier, reportedAt: ev.occurredAt };
        var i = f.bySource.findIndex(function (c) { return c.source.name === d.source.name; });
        if (i < 0) f.bySource.push(claim); else f.bySource[i] = claim;
        break;
    }
  }
  var socket = io({ auth: token ? { token: token } : {} });
  function subscribe() {
    var request = state ? { storyId: storyId, since: state.version } : { storyId: storyId };
    socket.emit('subscribe', request, function (ack) {
      $('status').textContent = ack.ok ? 'live' : ack.error.message;
    });
  }
  socket.on('connect', subscribe);
  socket.on('disconnect', function () { $('status').textContent = 'reconnecting…'; });
  socket.on('snapshot', function (m) { if (m.storyId === storyId) { state = m.story; render(); } });
  socket.on('event', function (ev) {
    if (ev.storyId !== storyId || !state) return;
    if (ev.version !== state.version + 1) { state = null; subscribe(); return; }
    apply(ev); render();
  });
  socket.on('audience', function (m) { if (m.storyId === storyId) $('audience').textContent = m.count + ' reading'; });
})();
</script>
</body></html>`;
}
