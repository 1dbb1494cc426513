/**
 * The console's HTML shell (docs/protocol.md, "Pages"). Nothing in it comes from a report: the page's
 * script builds the rest with DOM text APIs. The one value from outside, the gateway's origin, is an
 * origin parsed by URL and escaped.
 */

/** Escapes text for element content and double-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** Scripts and styles only from this app; network only to this app and the gateway (HTTP and WebSocket). */
export function consoleSecurityPolicy(gatewayOrigin: string): string {
  const ws = gatewayOrigin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${gatewayOrigin} ${ws}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function consolePage(gatewayOrigin: string): string {
  const gateway = escapeHtml(gatewayOrigin);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="livefeed-gateway" content="${gateway}">
<title>Newsroom console · livefeed</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head><body>
<header><h1>Newsroom console</h1><span id="signed-in-as" class="muted"></span>
<a href="${gateway}/">Reader pages</a></header>
<main>
<form id="sign-in">
  <h2>Sign in</h2>
  <p class="muted">Your publisher token stays in this tab only.</p>
  <div class="field"><label for="token">Publisher token</label><input id="token" name="token" type="password" autocomplete="off" required></div>
  <div class="field"><label for="author">Byline (author of your reports)</label><input id="author" name="author" autocomplete="off" placeholder="desk:metro" maxlength="200" required></div>
  <button type="submit">Sign in</button>
  <p id="sign-in-status" role="status" aria-live="polite"></p>
  <noscript><p>The console needs JavaScript.</p></noscript>
</form>
<div id="desk" hidden>
  <form id="story-picker">
    <div class="field"><label for="story-id">Story id</label><input id="story-id" name="story" list="stories" autocomplete="off" placeholder="city-floods-day-2" required></div>
    <datalist id="stories"></datalist>
    <button type="submit">Follow</button>
    <button type="button" id="sign-out" class="secondary">Sign out</button>
    <span id="story-status" role="status" aria-live="polite"></span>
  </form>
  <div class="desk">
    <div id="forms" aria-label="Reports"></div>
    <aside id="story-panel" aria-label="The story live"><p class="muted">Follow a story to see it live here.</p></aside>
  </div>
</div>
</main></body></html>`;
}
