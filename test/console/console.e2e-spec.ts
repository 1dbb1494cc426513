import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectEventually } from '@livefeed/common/testing';
import { launchChromium, screenshot, seriousA11yViolations } from '../support/browser';
import { isolatedWorld } from '../support/livefeed';
import { AppFleet, type AppProcess } from '../support/processes';

/**
 * The newsroom console (docs/protocol.md, "The newsroom console") in real headless Chromium against
 * real ingest and gateway processes: sign in, open a story, file reports and see each outcome, the
 * story live beside the forms, and nothing a report carries running as script.
 */
jest.setTimeout(120_000);

const TOKEN = 'console-test-token';
const STORY = 'console-story';

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
const fleet = new AppFleet();
let ingest: AppProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Anything that ran from a report's text sets this; script errors and CSP reports are collected. */
const pageErrors: string[] = [];

beforeAll(async () => {
  world = await isolatedWorld();
  const gateway = await fleet.start('gateway', world.env);
  ingest = await fleet.start('ingest', {
    ...world.env,
    LIVEFEED_PUBLISH_TOKENS: TOKEN,
    LIVEFEED_GATEWAY_URL: gateway.url,
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    // The browser logs each 4xx answer of the write API; those are outcomes the page shows.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      pageErrors.push(`console: ${m.text()}`);
  });
  await page.goto(`${ingest.url}/console`);
});

afterAll(async () => {
  await browser?.close();
  await fleet.stopAll();
  await world?.close();
});

const form = (type: string) => page.locator(`form[data-report-type="${type}"]`);
const result = (type: string) =>
  page.locator(`section:has(form[data-report-type="${type}"]) output[data-result]`);

async function file(type: string, fields: Record<string, string>): Promise<void> {
  const target = form(type);
  for (const [name, value] of Object.entries(fields)) {
    const control = target.locator(`[name="${name}"]`);
    if ((await control.evaluate((n) => n.tagName)) === 'SELECT') await control.selectOption(value);
    else await control.fill(value);
  }
  await result(type).evaluate((n) => n.removeAttribute('data-state'));
  await target.locator('button[type="submit"]').click();
  await expectEventually(
    async () =>
      expect(await result(type).getAttribute('data-state')).toMatch(
        /accepted|rejected|error|queued/,
      ),
    { timeoutMs: 20_000 },
  );
}

describe('the newsroom console', () => {
  it('sends a strict Content-Security-Policy and no script of its own inline', async () => {
    const response = await fetch(`${ingest.url}/console`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('refuses a token the write API does not take', async () => {
    await page.fill('#token', 'not-a-token');
    await page.fill('#author', 'desk:metro');
    await page.click('#sign-in button[type="submit"]');
    await expectEventually(async () =>
      expect(await page.textContent('#sign-in-status')).toContain('refused'),
    );
    expect(await page.isVisible('#desk')).toBe(false);
  });

  it('signs in with a publisher token kept in the tab, never in the URL', async () => {
    await page.fill('#token', TOKEN);
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector('#desk', { state: 'visible' });
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => sessionStorage.getItem('livefeed.console.token'))).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await page.reload();
    await page.waitForSelector('#desk', { state: 'visible' });
    expect(await page.textContent('#signed-in-as')).toContain('desk:metro');
  });

  it('opens a story and shows its accepted version and the story live beside the forms', async () => {
    await page.fill('#story-id', STORY);
    await page.click('#story-picker button[type="submit"]');
    await page.waitForSelector('[data-panel-error="not-found"]');
    await file('story.opened', { title: 'Floods in the valley', summary: 'Rivers rising.' });
    expect(await result('story.opened').getAttribute('data-state')).toBe('accepted');
    expect(await result('story.opened').getAttribute('data-version')).toBe('1');
    await page.waitForSelector('#story-panel [data-story-version="1"]');
    expect(await page.textContent('#story-panel h2')).toBe('Floods in the valley');
  });

  it('files a post and shows its version; the entry appears live', async () => {
    await file('entry.posted', {
      entryId: 'e1',
      kind: 'breaking',
      body: '<p>The <b>bridge</b> is closed.</p>',
      sources: 'Valley police | https://police.example/valley\nRiver authority',
    });
    expect(await result('entry.posted').textContent()).toBe('Accepted as version 2.');
    await page.waitForSelector('[data-console-entry="e1"]');
    expect(await page.textContent('[data-console-entry="e1"] .excerpt')).toBe(
      'The bridge is closed.',
    );
    const [event] = await (await world.store()).readEvents(STORY, 1, 1);
    expect(event.data).toMatchObject({
      sources: [
        { name: 'Valley police', url: 'https://police.example/valley' },
        { name: 'River authority' },
      ],
    });
  });

  it("shows a rejection's code and message beside its form", async () => {
    await file('entry.edited', { entryId: 'e9', body: '<p>x</p>' });
    expect(await result('entry.edited').getAttribute('data-state')).toBe('rejected');
    expect(await result('entry.edited').getAttribute('data-code')).toBe('unknown-entry');
    expect(await result('entry.edited').textContent()).toContain('e9');
  });

  it("shows the write API's field errors for an invalid report", async () => {
    await file('figure.reported', {
      figureId: 'Not An Id',
      label: 'People evacuated',
      value: '-3',
      'source.name': 'Civil protection',
    });
    expect(await result('figure.reported').getAttribute('data-state')).toBe('error');
    expect(await result('figure.reported').getAttribute('data-code')).toBe('invalid');
    expect(await result('figure.reported').textContent()).toMatch(/figureId|value/);
  });

  it('fills the entry id from the live story, and a retraction shows there', async () => {
    await page.click('[data-console-entry="e1"] button:first-child');
    expect(await form('entry.retracted').locator('[name="entryId"]').inputValue()).toBe('e1');
    await file('entry.retracted', { reason: 'The bridge reopened; the report was wrong.' });
    expect(await result('entry.retracted').getAttribute('data-version')).toBe('3');
    await expectEventually(async () =>
      expect(await page.textContent('[data-console-entry="e1"]')).toContain('retracted'),
    );
  });

  it("shows an entry's revisions from the gateway's history route", async () => {
    await page.click('[data-console-entry="e1"] button:nth-of-type(2)');
    await page.waitForSelector('table[data-history="e1"]');
    const rows = await page.locator('table[data-history="e1"] tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('entry.posted');
    expect(rows[1]).toContain('entry.retracted');
    expect(rows[1]).toContain('The bridge reopened');
  });

  it('puts everything a report carries on the page as text', async () => {
    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    await file('entry.posted', { entryId: 'e2', body: `<p>safe</p>${payload}` });
    await file('story.updated', { title: `T ${payload}`, summary: `S ${payload}` });
    await page.waitForSelector('#story-panel [data-story-version="5"]');
    expect(await page.textContent('#story-panel h2')).toBe(`T ${payload}`);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#story-panel img').count()).toBe(0);
  });

  it('has no serious or critical accessibility violation', async () => {
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'console-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'console-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('ran no script error and opened no dialog', () => {
    expect(pageErrors).toEqual([]);
  });
});
