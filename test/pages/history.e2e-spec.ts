import { entryIds, expectEventually, PagesWorld, report, statusIs } from './pages.harness';

jest.setTimeout(180_000);

let w: PagesWorld;
beforeAll(async () => {
  w = await PagesWorld.open();
});
afterAll(async () => {
  await w?.close();
});

describe('the archived view', () => {
  it('shows the story as it stood at a version, marked archived and not live', async () => {
    const id = 'archive';
    await w.story(id, 3, { title: 'Before the update' });
    await w.file(
      report(id, 'story.updated', { title: 'After the update' }),
      report(id, 'entry.retracted', { entryId: 'e2', reason: 'Wrong.' }),
    );
    const context = await w.context();
    const { page, errors } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}?at=3`);
    const root = page.locator('[data-story-id][data-version]');
    expect(await root.getAttribute('data-version')).toBe('3');
    expect(await page.locator('h1').innerText()).toBe('Before the update');
    expect(await page.locator('[data-archived]').innerText()).toMatch(/archived view/i);
    expect(await page.locator('[data-status]').count()).toBe(0);
    expect(await entryIds(page)).toEqual(['e2', 'e1']);
    expect(await page.locator('article[data-entry-id="e2"]').getAttribute('data-retracted')).toBe(
      'false',
    );
    // Not live: a new post does not appear.
    await w.file(report(id, 'entry.posted', { entryId: 'later', body: '<p>Later.</p>' }));
    await page.waitForTimeout(1500);
    expect(await entryIds(page)).toEqual(['e2', 'e1']);
    // An instant works too; before the story existed is a 404.
    const at = await page.goto(
      `${w.url}/stories/${id}?at=${encodeURIComponent(new Date().toISOString())}`,
    );
    expect(at!.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('After the update');
    const before = await page.goto(`${w.url}/stories/${id}?at=2000-01-01T00:00:00Z`);
    expect(before!.status()).toBe(404);
    await w.screenshot(page, 'archived-404');
    await page.goto(`${w.url}/stories/${id}?at=3`);
    await w.screenshot(page, 'archived-desktop');
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('the history scrubber', () => {
  it('shows an earlier version while dragged, then returns to live without a gap', async () => {
    const id = 'scrub';
    await w.story(id, 4, { title: 'Scrub me' });
    const context = await w.context();
    const { page, errors } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}`);
    await statusIs(page, 'live');
    const range = page.locator('input[type="range"][data-scrubber]');
    expect(await range.getAttribute('max')).toBe('5');
    await range.fill('2');
    const root = page.locator('[data-story-id][data-version]');
    await expectEventually(async () => expect(await root.getAttribute('data-version')).toBe('2'));
    expect(await entryIds(page)).toEqual(['e1']);
    await w.screenshot(page, 'scrubber-desktop');
    // While the reader looks back, the story goes on.
    await w.publish(
      report(id, 'entry.posted', { entryId: 'meanwhile', body: '<p>Meanwhile.</p>' }),
    );
    await expectEventually(async () => expect(await range.getAttribute('max')).toBe('6'));
    expect(await entryIds(page)).toEqual(['e1']);
    await page.locator('[data-back-to-live]').click();
    await expectEventually(async () => expect(await root.getAttribute('data-version')).toBe('6'));
    expect(await entryIds(page)).toEqual(['meanwhile', 'e4', 'e3', 'e2', 'e1']);
    // And live again.
    await w.publish(report(id, 'entry.posted', { entryId: 'after', body: '<p>After.</p>' }));
    await expectEventually(async () => expect((await entryIds(page))[0]).toBe('after'));
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('a long story', () => {
  it('renders the newest entries first and loads older ones as the reader scrolls', async () => {
    const id = 'long';
    const count = 1200;
    await w.story(id, count);
    await w.file(
      report(id, 'entry.posted', { entryId: 'flash', body: '<p>Flash.</p>', kind: 'breaking' }),
      report(id, 'entry.pinned', { entryId: 'e3' }),
    );
    const context = await w.context();
    const { page, errors } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}`);
    await statusIs(page, 'live');
    const first = await entryIds(page);
    expect(first.length).toBeLessThan(150);
    expect(first.slice(0, 3)).toEqual(['e3', 'flash', `e${count}`]);
    // Scroll to the end a few times: older pages load below.
    for (let i = 0; i < 4; i++) {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForTimeout(300);
    }
    await expectEventually(
      async () => expect((await entryIds(page)).length).toBeGreaterThan(first.length + 100),
      { timeoutMs: 20_000 },
    );
    const ids = await entryIds(page);
    expect(new Set(ids).size).toBe(ids.length);
    // Highlights: pinned and breaking only, even those not loaded yet.
    await w.file(
      report(
        id,
        'entry.posted',
        { entryId: 'old-breaking', body: '<p>Old.</p>', kind: 'breaking' },
        { occurredAt: '2020-01-01T00:00:00Z' },
      ),
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('[data-highlights-toggle]').click();
    await expectEventually(
      async () => {
        const visible = await page.$$eval('article[data-entry-id]', (els) =>
          els
            .filter((el) => (el as HTMLElement).offsetParent !== null)
            .map((el) => (el as HTMLElement).dataset.entryId),
        );
        expect(visible).toEqual(['e3', 'flash', 'old-breaking']);
      },
      { timeoutMs: 20_000 },
    );
    await page.locator('[data-highlights-toggle]').click();
    await expectEventually(async () => {
      const visible = await page.$$eval(
        'article[data-entry-id]',
        (els) => els.filter((el) => (el as HTMLElement).offsetParent !== null).length,
      );
      expect(visible).toBeGreaterThan(200);
    });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('pages its entries on the read API', async () => {
    const id = 'paged';
    await w.story(id, 7);
    const get = async (q: string) => {
      const res = await fetch(`${w.url}/api/stories/${id}${q}`);
      return {
        status: res.status,
        body: (await res.json()) as {
          entries: { entryId: string }[];
          next: string | null;
          error?: { code: string };
        },
      };
    };
    const one = await get('?entries=3');
    expect(one.body.entries.map((e) => e.entryId)).toEqual(['e7', 'e6', 'e5']);
    expect(one.body.next).toBe('e5');
    const two = await get('?entries=3&after=e5&at=8');
    expect(two.body.entries.map((e) => e.entryId)).toEqual(['e4', 'e3', 'e2']);
    const last = await get('?entries=3&after=e2');
    expect(last.body).toMatchObject({ entries: [{ entryId: 'e1' }], next: null });
    expect((await get('?entries=3&after=nope')).status).toBe(404);
    for (const q of [
      '?entries=0',
      '?entries=1001',
      '?after=e1',
      '?only=highlights',
      '?entries=2&only=all',
      '?entries=2&after=<x>',
    ]) {
      const res = await get(q);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('invalid');
    }
    // Without entries=, the state is as it always was.
    expect(Object.keys((await get('')).body)).not.toContain('next');
  });
});
