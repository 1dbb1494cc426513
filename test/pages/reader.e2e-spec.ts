import { entryIds, expectEventually, PagesWorld, report, statusIs } from './pages.harness';

jest.setTimeout(120_000);

let w: PagesWorld;
beforeAll(async () => {
  w = await PagesWorld.open();
});
afterAll(async () => {
  await w?.close();
});

describe('the story page without JavaScript', () => {
  it('shows the story as a newsroom publishes it, with its structured data', async () => {
    const id = 'nojs';
    await w.story(id, 0, {
      title: 'Flooding in the valley',
      summary: 'Rivers burst their banks overnight.',
    });
    await w.file(
      report(id, 'entry.posted', {
        entryId: 'a',
        body: '<p>Roads closed near <strong>Elm</strong>.</p>',
        source: { name: 'Police', url: 'https://police.example/news' },
      }),
      report(id, 'entry.posted', {
        entryId: 'b',
        body: '<p>Evacuation ordered.</p>',
        kind: 'breaking',
      }),
      report(id, 'entry.posted', { entryId: 'c', body: '<p>A wrong report.</p>' }),
      report(id, 'entry.retracted', { entryId: 'c', reason: 'The town was misnamed.' }),
      report(id, 'entry.edited', {
        entryId: 'a',
        body: '<p>Roads closed near Oak.</p>',
        correction: 'It was Oak, not Elm.',
      }),
      report(id, 'entry.pinned', { entryId: 'a' }),
      report(id, 'figure.reported', {
        figureId: 'evacuated',
        label: 'People evacuated',
        value: 200,
        qualifier: 'approximately',
        unit: 'people',
        source: { name: 'Council' },
      }),
      report(id, 'figure.reported', {
        figureId: 'evacuated',
        label: 'People evacuated',
        value: 180,
        qualifier: 'at-least',
        unit: 'people',
        source: { name: 'Red Cross', url: 'https://redcross.example' },
      }),
      report(id, 'story.closed', { note: 'Coverage continues on the recovery page.' }),
    );
    const context = await w.context({ javaScriptEnabled: false });
    const { page } = await w.page(context);
    const response = await page.goto(`${w.url}/stories/${id}`);
    expect(response!.status()).toBe(200);
    const csp = response!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);

    const root = page.locator('[data-story-id][data-version]');
    await expect(root.count()).resolves.toBe(1);
    expect(await root.getAttribute('data-story-id')).toBe(id);
    expect(await root.getAttribute('data-version')).toBe('10');
    const text = ((await page.locator('body').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('Flooding in the valley');
    expect(text).toContain('Rivers burst their banks overnight.');
    expect(text).toContain('Closed');
    expect(text).toContain('Coverage continues on the recovery page.');
    expect(text).toContain('about 200 people');
    expect(text).toContain('at least 180 people');
    expect(text).toContain('The town was misnamed.');
    expect(text).toContain('It was Oak, not Elm.');
    expect(text).toContain('Pinned');
    expect(text).toContain('Breaking');
    expect(text).not.toContain('A wrong report.');
    expect(await page.locator('a[href="https://police.example/news"]').count()).toBe(1);
    expect(await page.locator('[data-figure-id="evacuated"]').count()).toBe(1);

    const a = page.locator('article[data-entry-id="a"]');
    expect(await a.getAttribute('data-pinned')).toBe('true');
    expect(await a.getAttribute('data-kind')).toBe('update');
    expect(await page.locator('article[data-entry-id="b"]').getAttribute('data-kind')).toBe(
      'breaking',
    );
    expect(await page.locator('article[data-entry-id="c"]').getAttribute('data-retracted')).toBe(
      'true',
    );
    // Pinned on top, then newest first.
    expect(await entryIds(page)).toEqual(['a', 'c', 'b']);
    expect(await page.locator('article time').first().innerText()).toMatch(
      /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$/,
    );

    const scripts = await page.locator('script[type="application/ld+json"]').allTextContents();
    expect(scripts).toHaveLength(1);
    const ld = JSON.parse(scripts[0]) as Record<string, unknown> & {
      liveBlogUpdate: Record<string, unknown>[];
    };
    expect(ld).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'LiveBlogPosting',
      headline: 'Flooding in the valley',
      description: 'Rivers burst their banks overnight.',
      coverageStartTime: expect.any(String),
      coverageEndTime: expect.any(String),
      dateModified: expect.any(String),
    });
    expect(ld.liveBlogUpdate.map((u) => u.articleBody)).toEqual([
      'Evacuation ordered.',
      'Roads closed near Oak.',
    ]);
    for (const update of ld.liveBlogUpdate) {
      expect(update).toMatchObject({
        '@type': 'BlogPosting',
        datePublished: expect.any(String),
        dateModified: expect.any(String),
        author: { name: 'desk:pages' },
      });
    }
    await context.close();
  });

  it('answers an unknown or malformed story with a 404 page', async () => {
    const context = await w.context({ javaScriptEnabled: false });
    const { page } = await w.page(context);
    for (const path of [
      '/stories/never-opened',
      '/stories/NOT_AN_ID',
      '/stories/x?at=1&after=zz',
    ]) {
      const response = await page.goto(`${w.url}${path}`);
      expect(response!.status()).toBe(404);
      expect(response!.headers()['content-type']).toMatch(/^text\/html/);
      expect(await page.locator('h1').innerText()).toBe('Story not found');
    }
    const bad = await page.goto(`${w.url}/stories/never-opened?at=yesterday`);
    expect(bad!.status()).toBe(400);
    await context.close();
  });
});

describe('the live story page', () => {
  it('shows a post published through NATS within a second, without a reload', async () => {
    const id = 'live-post';
    await w.story(id, 2);
    const context = await w.context();
    const { page, errors } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}`);
    await statusIs(page, 'live');
    const started = Date.now();
    await w.publish(report(id, 'entry.posted', { entryId: 'fresh', body: '<p>Just in.</p>' }));
    await page.waitForSelector('article[data-entry-id="fresh"]', { timeout: 10_000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(await entryIds(page)).toEqual(['fresh', 'e2', 'e1']);
    expect(await page.locator('[data-story-id]').getAttribute('data-version')).toBe('4');
    expect(await page.locator('[aria-live="polite"]').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('changes an entry in place on a correction and on a retraction', async () => {
    const id = 'in-place';
    await w.story(id, 3);
    const context = await w.context();
    const { page, errors } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}`);
    await statusIs(page, 'live');
    const e2 = await page.$('article[data-entry-id="e2"]');
    const e3 = await page.$('article[data-entry-id="e3"]');
    await w.publish(
      report(id, 'entry.edited', {
        entryId: 'e2',
        body: '<p>Update number 2, corrected.</p>',
        correction: 'The count was wrong.',
      }),
    );
    await expectEventually(async () =>
      expect(await e2!.innerText()).toContain('The count was wrong.'),
    );
    expect(await e2!.innerText()).toContain('Update number 2, corrected.');
    await w.publish(report(id, 'entry.retracted', { entryId: 'e3', reason: 'Not confirmed.' }));
    await expectEventually(async () =>
      expect(await e3!.getAttribute('data-retracted')).toBe('true'),
    );
    expect(await e3!.innerText()).toContain('Not confirmed.');
    expect(await e3!.innerText()).not.toContain('Update number 3');
    await w.publish(report(id, 'entry.pinned', { entryId: 'e1' }));
    const e1 = await page.$('article[data-entry-id="e1"]');
    await expectEventually(async () => expect(await e1!.getAttribute('data-pinned')).toBe('true'));
    await expectEventually(async () => expect(await entryIds(page)).toEqual(['e1', 'e3', 'e2']));
    // The same elements all along.
    expect(await page.evaluate(([a, b]) => a!.isConnected && b!.isConnected, [e2, e3])).toBe(true);
    expect(await e1!.evaluate((el) => el.isConnected)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps a scrolled-down reader where they are and shows a banner instead', async () => {
    const id = 'scrolled';
    await w.story(id, 40);
    const context = await w.context({ viewport: { width: 1280, height: 700 } });
    const { page } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}`);
    await statusIs(page, 'live');
    await page.evaluate(() => window.scrollTo(0, 1500));
    await expectEventually(async () =>
      expect(await page.evaluate(() => window.scrollY)).toBe(1500),
    );
    const first = await page.evaluate(
      () => document.elementFromPoint(400, 300)?.closest('article')?.dataset.entryId,
    );
    await w.publish(
      report(id, 'entry.posted', { entryId: 'n1', body: '<p>New one.</p>' }),
      report(id, 'entry.posted', { entryId: 'n2', body: '<p>New two.</p>' }),
      report(id, 'entry.posted', { entryId: 'n3', body: '<p>New three.</p>' }),
    );
    const banner = page.locator('[data-new-updates]');
    await expectEventually(
      async () => expect(await banner.innerText()).toContain('3 new updates'),
      { timeoutMs: 15_000 },
    );
    expect(await banner.isVisible()).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(1500);
    expect(
      await page.evaluate(
        () => document.elementFromPoint(400, 300)?.closest('article')?.dataset.entryId,
      ),
    ).toBe(first);
    await w.screenshot(page, 'reader-banner-desktop');
    await banner.click();
    await expectEventually(async () =>
      expect((await entryIds(page)).slice(0, 4)).toEqual(['n3', 'n2', 'n1', 'e40']),
    );
    expect(await page.locator('[data-new-updates]').count()).toBe(0);
    await context.close();
  });

  it('says it is offline when the network goes, then catches up with every entry once', async () => {
    const id = 'offline';
    await w.story(id, 2);
    const context = await w.context();
    const { page } = await w.page(context);
    await page.goto(`${w.url}/stories/${id}`);
    await statusIs(page, 'live');
    await page.evaluate(() => {
      const seen: string[] = [];
      const el = document.querySelector('[data-status]')!;
      new MutationObserver(() => seen.push(el.getAttribute('data-status')!)).observe(el, {
        attributes: true,
      });
      (window as unknown as { seenStatuses: string[] }).seenStatuses = seen;
    });
    await context.setOffline(true);
    const lost = Date.now();
    await statusIs(page, 'offline', 5000);
    expect(Date.now() - lost).toBeLessThan(5000);
    await w.file(
      report(id, 'entry.posted', { entryId: 'while-away-1', body: '<p>Away 1.</p>' }),
      report(id, 'entry.posted', { entryId: 'while-away-2', body: '<p>Away 2.</p>' }),
    );
    await context.setOffline(false);
    await statusIs(page, 'live', 30_000);
    await expectEventually(
      async () =>
        expect(await entryIds(page)).toEqual(['while-away-2', 'while-away-1', 'e2', 'e1']),
      { timeoutMs: 20_000 },
    );
    expect(
      await page.evaluate(() => (window as unknown as { seenStatuses: string[] }).seenStatuses),
    ).toContain('offline');
    expect(await page.locator('[data-status]').innerText()).toMatch(/caught up/i);
    await context.close();
  });
});
