import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { Page } from 'playwright-core';
import { entryIds, expectEventually, PagesWorld, report } from './pages.harness';

jest.setTimeout(180_000);

/** A tiny site on its own port (so its own origin) whose page embeds the story. */
async function site(
  page: (gatewayUrl: string) => string,
): Promise<{ server: Server; origin: string; set(url: string): void }> {
  let gatewayUrl = '';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page(gatewayUrl));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, set: (url) => (gatewayUrl = url) };
}

const embedding = (storyId: string) => (gatewayUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A newspaper</title></head>
<body><h1>Our coverage</h1><p>Read the live blog below.</p>
<livefeed-story story="${storyId}"></livefeed-story>
<script src="${gatewayUrl}/embed.js"></script></body></html>`;

const SECRET = 'a-reader-secret-of-at-least-32-bytes!!';
let w: PagesWorld;
let allowed: Awaited<ReturnType<typeof site>>;
let refused: Awaited<ReturnType<typeof site>>;

beforeAll(async () => {
  allowed = await site(embedding('embedded'));
  refused = await site(embedding('embedded'));
  w = await PagesWorld.open({
    LIVEFEED_ALLOWED_ORIGINS: allowed.origin,
    LIVEFEED_READER_SECRET: SECRET,
  });
  allowed.set(w.url);
  refused.set(w.url);
});
afterAll(async () => {
  await w?.close();
  allowed?.server.close();
  refused?.server.close();
});

async function webSocketOpens(page: Page, gatewayUrl: string): Promise<boolean> {
  return page.evaluate(
    (url) =>
      new Promise<boolean>((resolve) => {
        const ws = new WebSocket(
          `${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
        );
        ws.onopen = () => {
          ws.close();
          resolve(true);
        };
        ws.onerror = () => resolve(false);
      }),
    gatewayUrl,
  );
}

describe('the embed', () => {
  it('runs the live story inside another site allowed by LIVEFEED_ALLOWED_ORIGINS', async () => {
    await w.story('embedded', 2, { title: 'Embedded story' });
    const context = await w.context();
    const { page, errors } = await w.page(context);
    await page.goto(allowed.origin);
    const root = page.locator('livefeed-story [data-story-id][data-version]');
    await root.waitFor({ timeout: 20_000 });
    expect(await root.getAttribute('data-story-id')).toBe('embedded');
    expect(await page.locator('livefeed-story').evaluate((el) => el.shadowRoot !== null)).toBe(
      true,
    );
    // In its own shadow root: the host page's selectors do not reach inside.
    expect(await page.evaluate(() => document.querySelectorAll('[data-story-id]').length)).toBe(0);
    await page.waitForSelector('livefeed-story [data-status="live"]', { timeout: 20_000 });
    expect(await entryIds(page)).toEqual(['e2', 'e1']);
    await w.publish(
      report('embedded', 'entry.posted', {
        entryId: 'from-nats',
        body: '<p>Live in the embed.</p>',
      }),
    );
    await expectEventually(async () =>
      expect(await entryIds(page)).toEqual(['from-nats', 'e2', 'e1']),
    );
    expect(await root.getAttribute('data-version')).toBe('4');
    expect(await page.locator('livefeed-story [data-figures]').count()).toBe(1);
    expect(await webSocketOpens(page, w.url)).toBe(true);
    await w.screenshot(page, 'embed-allowed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is refused on a site the gateway does not allow, and says so', async () => {
    const context = await w.context();
    const { page } = await w.page(context);
    await page.goto(refused.origin);
    const message = page.locator('livefeed-story [data-livefeed-message][data-code]');
    await message.waitFor({ timeout: 20_000 });
    expect(await message.innerText()).toMatch(/cannot be shown here/);
    expect(await page.locator('livefeed-story [data-story-id]').count()).toBe(0);
    expect(await webSocketOpens(page, w.url)).toBe(false);
    // The gateway's own page still works with the allow-list set (same origin).
    const own = await context.newPage();
    await own.goto(`${w.url}/stories/embedded`);
    await own.waitForSelector('[data-status="live"]', { timeout: 20_000 });
    await context.close();
  });

  it("renders a private story in the browser with the reader's token from the fragment", async () => {
    await w.story('secret', 2, { title: 'Private story', visibility: 'private' });
    const context = await w.context();
    const { page, errors } = await w.page(context);
    const refusedPage = await page.goto(`${w.url}/stories/secret`);
    expect(refusedPage!.status()).toBe(200);
    await page.waitForSelector('[data-livefeed-message][data-code="forbidden"]', {
      timeout: 20_000,
    });
    expect(await entryIds(page)).toEqual([]);
    const token = jwt.sign({ stories: ['secret'] }, SECRET, { algorithm: 'HS256' });
    await page.goto(`${w.url}/stories/secret#token=${token}`);
    await page.reload();
    await page.waitForSelector('[data-status="live"]', { timeout: 20_000 });
    expect(await entryIds(page)).toEqual(['e2', 'e1']);
    await w.publish(
      report('secret', 'entry.posted', { entryId: 'p3', body: '<p>Private news.</p>' }),
    );
    await expectEventually(async () => expect(await entryIds(page)).toEqual(['p3', 'e2', 'e1']));
    expect(errors).toEqual([]);
    await context.close();
  });
});
