import { PagesWorld, report, statusIs } from './pages.harness';
import { seriousA11yViolations } from '../support/browser';

jest.setTimeout(180_000);

let w: PagesWorld;
const ID = 'a11y';
beforeAll(async () => {
  w = await PagesWorld.open();
  await w.story(ID, 0, {
    title: 'Storm over the coast',
    summary: 'Winds of up to 140 km/h hit the coast overnight; ferries are cancelled.',
  });
  await w.file(
    report(ID, 'entry.posted', {
      entryId: 'p1',
      body: '<p>The harbour is closed until further notice.</p>',
      source: { name: 'Port authority', url: 'https://port.example/' },
    }),
    report(ID, 'figure.reported', {
      figureId: 'without-power',
      label: 'Homes without power',
      value: 12000,
      qualifier: 'approximately',
      unit: 'homes',
      source: { name: 'Grid operator' },
    }),
    report(ID, 'figure.reported', {
      figureId: 'without-power',
      label: 'Homes without power',
      value: 15000,
      qualifier: 'at-least',
      unit: 'homes',
      source: { name: 'Local council', url: 'https://council.example/' },
    }),
    report(ID, 'figure.reported', {
      figureId: 'injured',
      label: 'People injured',
      value: 4,
      source: { name: 'Ambulance service' },
    }),
    report(ID, 'entry.posted', {
      entryId: 'p2',
      body: '<p>Ferries to the islands are <strong>cancelled</strong> for the day.</p>',
      kind: 'breaking',
    }),
    report(ID, 'entry.posted', { entryId: 'p3', body: '<p>A tree fell on the coast road.</p>' }),
    report(ID, 'entry.retracted', {
      entryId: 'p3',
      reason: 'The road was not blocked; the report was mistaken.',
    }),
    report(ID, 'entry.posted', {
      entryId: 'p4',
      body: '<p>The council opened two shelters.</p>',
      kind: 'statement',
    }),
    report(ID, 'entry.edited', {
      entryId: 'p4',
      body: '<p>The council opened three shelters.</p>',
      correction: 'An earlier version said two shelters.',
    }),
    report(ID, 'entry.pinned', { entryId: 'p2' }),
    report(ID, 'entry.posted', {
      entryId: 'p5',
      body: '<p>Wind speeds are dropping, forecasters say.</p>',
      kind: 'analysis',
    }),
  );
});
afterAll(async () => {
  await w?.close();
});

describe('accessibility and layout', () => {
  it('has no serious or critical axe violation on the reader page, desktop and phone', async () => {
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const context = await w.context({
        viewport,
        bypassCSP: true,
        ...(name === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      const page = await context.newPage();
      await page.goto(`${w.url}/stories/${ID}`);
      await statusIs(page, 'live');
      await w.screenshot(page, `reader-${name}`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      // Nothing wider than the phone's screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        viewport.width,
      );
      await context.close();
    }
  });

  it('has none on the archived view and with the scrubber in use', async () => {
    const context = await w.context({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${w.url}/stories/${ID}?at=6`);
    await w.screenshot(page, 'archived-view');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.goto(`${w.url}/stories/${ID}`);
    await statusIs(page, 'live');
    await page.locator('[data-scrubber]').fill('7');
    await page.waitForSelector('[data-story-id][data-version="7"]');
    await w.screenshot(page, 'scrubber');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.goto(`${w.url}/`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });
});
