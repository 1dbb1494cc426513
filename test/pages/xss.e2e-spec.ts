import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import type { RawReport } from '../support/livefeed';
import { expectEventually, PagesWorld, report, statusIs } from './pages.harness';
import { XSS_PAYLOADS } from './xss.payloads';

jest.setTimeout(300_000);

const ID = 'hostile';
let w: PagesWorld;
let site: Server;
let siteUrl = '';

beforeAll(async () => {
  w = await PagesWorld.open();
  // A site without any Content-Security-Policy embedding the story: only escaping protects it.
  site = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head><title>Host</title></head><body>
<livefeed-story story="${ID}"></livefeed-story><script src="${w.url}/embed.js"></script></body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await w?.close();
  site?.close();
});

/** Every way a payload could show it ran, recorded per page. */
interface Watch {
  readonly page: Page;
  readonly fired: string[];
}

async function watched(context: BrowserContext, url: string): Promise<Watch> {
  const page = await context.newPage();
  const fired: string[] = [];
  page.on('dialog', (d) => {
    fired.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => fired.push(`error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (/xss|Content Security Policy|Refused to/i.test(text)) fired.push(`console: ${text}`);
  });
  page.on('request', (r) => {
    const host = new URL(r.url()).hostname;
    if (!['127.0.0.1', 'localhost'].includes(host) && !r.url().startsWith('data:'))
      fired.push(`request: ${r.url()}`);
  });
  await page.goto(url);
  return { page, fired };
}

/** Moves the mouse over everything and tabs through the page, for handlers that need a person. */
async function poke(page: Page): Promise<void> {
  for (let y = 0; y < 900; y += 60) await page.mouse.move(300 + (y % 400), y);
  for (let i = 0; i < 15; i++) await page.keyboard.press('Tab');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.waitForTimeout(300);
}

async function expectHarmless(watch: Watch): Promise<void> {
  await poke(watch.page);
  const flag = await watch.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
  const injected = await watch.page.evaluate(() => {
    const roots: (Document | ShadowRoot)[] = [document];
    const host = document.querySelector('livefeed-story');
    if (host?.shadowRoot) roots.push(host.shadowRoot);
    return roots.flatMap((root) =>
      Array.from(
        root.querySelectorAll(
          'iframe, object, embed, base, meta[http-equiv], form, svg, math, style, link:not([href="/assets/pages.css"]):not([rel="icon"]), [onerror], [onload], [onclick], [onmouseover], [onfocus], [style]',
        ),
      ).map((el) => el.outerHTML.slice(0, 80)),
    );
  });
  const scripts = await watch.page.evaluate(() =>
    Array.from(document.querySelectorAll('script')).map((s) => s.getAttribute('src') ?? s.type),
  );
  expect({ fired: watch.fired, flag, injected }).toEqual({
    fired: [],
    flag: undefined,
    injected: [],
  });
  for (const s of scripts)
    expect(s).toMatch(
      /^(\/assets\/reader\.js|application\/ld\+json|application\/json|http:\/\/127\.0\.0\.1:\d+\/embed\.js)$/,
    );
}

function hostileReports(): RawReport[] {
  const out: RawReport[] = [];
  XSS_PAYLOADS.forEach((p, i) => {
    const by = { author: p };
    out.push(
      report(
        ID,
        'entry.posted',
        {
          entryId: `x${i}`,
          body: `<p>entry ${i}</p>${p}`,
          kind: i % 5 === 0 ? 'breaking' : 'update',
          source: { name: p, url: `https://safe.test/p?q=${encodeURIComponent(p)}` },
        },
        by,
      ),
    );
    out.push(
      report(
        ID,
        'entry.edited',
        { entryId: `x${i}`, body: `<p>edited ${i}</p>${p}`, correction: p },
        by,
      ),
    );
    if (i % 3 === 0) out.push(report(ID, 'entry.retracted', { entryId: `x${i}`, reason: p }, by));
    else if (i % 7 === 1) out.push(report(ID, 'entry.pinned', { entryId: `x${i}` }, by));
    out.push(
      report(
        ID,
        'figure.reported',
        {
          figureId: `f${i}`,
          label: p,
          value: i,
          qualifier: 'at-least',
          unit: p.slice(0, 40),
          source: { name: p, url: 'https://safe.test/' },
        },
        by,
      ),
    );
    out.push(report(ID, 'story.updated', { title: `${i} ${p}`, summary: p }, by));
  });
  XSS_PAYLOADS.slice(0, 12).forEach((p) => {
    out.push(report(ID, 'story.closed', { note: p }, { author: p }));
    out.push(report(ID, 'story.reopened', {}));
  });
  out.push(report(ID, 'story.closed', { note: XSS_PAYLOADS[XSS_PAYLOADS.length - 1] }));
  return out;
}

describe('hostile text in every field of a report', () => {
  it(`never runs script, opens a dialog or makes a request (${XSS_PAYLOADS.length} payloads)`, async () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(100);
    await w.file(
      report(
        ID,
        'story.opened',
        { title: XSS_PAYLOADS[0], summary: XSS_PAYLOADS[1] },
        { author: XSS_PAYLOADS[2] },
      ),
    );
    const context = await w.context();
    // Open before the reports come: the live patches render them.
    const live = await watched(context, `${w.url}/stories/${ID}`);
    const embedLive = await watched(context, siteUrl);
    await statusIs(live.page, 'live');
    await embedLive.page.waitForSelector('livefeed-story [data-status="live"]', {
      timeout: 20_000,
    });

    const reports = hostileReports();
    await w.publish(...reports.slice(0, -1));
    const head = await w.file(reports[reports.length - 1]);
    for (const { page } of [live, embedLive]) {
      await expectEventually(
        async () =>
          expect(await page.locator('[data-story-id]').getAttribute('data-version')).toBe(
            String(head),
          ),
        { timeoutMs: 60_000 },
      );
    }
    // The server's render, an archived view in the middle, the list, and a fresh embed.
    const rendered = await watched(context, `${w.url}/stories/${ID}`);
    const archived = await watched(context, `${w.url}/stories/${ID}?at=${Math.floor(head / 2)}`);
    const list = await watched(context, `${w.url}/`);
    const embed = await watched(context, siteUrl);
    await embed.page.waitForSelector('livefeed-story [data-story-id]', { timeout: 20_000 });
    const noScript = await w.context({ javaScriptEnabled: false });
    const plain = await watched(noScript, `${w.url}/stories/${ID}`);

    // The text is shown as text.
    const title = await rendered.page.locator('h1').innerText();
    expect(title).toBe(`${XSS_PAYLOADS.length - 1} ${XSS_PAYLOADS[XSS_PAYLOADS.length - 1]}`);
    expect(await live.page.locator('h1').innerText()).toBe(title);
    expect(await rendered.page.title()).toBe(title);
    expect(await live.page.title()).toBe(title);
    const ld = JSON.parse(
      (await plain.page.locator('script[type="application/ld+json"]').textContent())!,
    ) as { headline: string };
    expect(ld.headline).toBe(title);
    expect(await plain.page.locator('[data-figure-id]').count()).toBe(XSS_PAYLOADS.length);

    // The scrubber renders past versions through the same path.
    const range = live.page.locator('[data-scrubber]');
    for (const v of [Math.floor(head / 3), Math.floor(head / 2), head - 5]) {
      await range.fill(String(v));
      await expectEventually(async () =>
        expect(await live.page.locator('[data-story-id]').getAttribute('data-version')).toBe(
          String(v),
        ),
      );
    }
    for (const watch of [live, embedLive, rendered, archived, list, embed, plain])
      await expectHarmless(watch);
    await noScript.close();
    await context.close();
  });
});
