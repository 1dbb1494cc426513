import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expectEventually } from '@livefeed/common/testing';
import { isolatedWorld, type RawReport } from '../support/livefeed';
import { AppFleet, type AppProcess } from '../support/processes';
import { launchChromium, screenshot } from '../support/browser';

export { expectEventually };

const TOKEN = 'pages-publisher-token';

let reportSeq = 0;
/** A report with a fresh id. */
export function report(
  storyId: string,
  type: string,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): RawReport {
  reportSeq += 1;
  return {
    id: `pg-${process.pid}-${Date.now().toString(36)}-${reportSeq}`,
    storyId,
    type,
    author: 'desk:pages',
    data,
    ...extra,
  };
}

/**
 * One test file's world for the pages: its own database and subject root, a real gateway and a
 * real ingest (the built apps), and headless Chromium.
 */
export class PagesWorld {
  private readonly fleet = new AppFleet();
  browser!: Browser;
  gateway!: AppProcess;
  ingest!: AppProcess;

  private constructor(readonly world: Awaited<ReturnType<typeof isolatedWorld>>) {}

  static async open(gatewayEnv: Record<string, string> = {}): Promise<PagesWorld> {
    const pages = new PagesWorld(await isolatedWorld());
    try {
      await pages.start(gatewayEnv);
    } catch (error) {
      await pages.close();
      throw error;
    }
    return pages;
  }

  private async start(gatewayEnv: Record<string, string>): Promise<void> {
    this.ingest = await this.fleet.start('ingest', {
      ...this.world.env,
      LIVEFEED_PUBLISH_TOKENS: TOKEN,
    });
    this.gateway = await this.fleet.start('gateway', {
      ...this.world.env,
      ...gatewayEnv,
    });
    this.browser = await launchChromium();
  }

  get url(): string {
    return this.gateway.url;
  }

  /** Files reports through the write API, waiting for each outcome; returns the last version. */
  async file(...reports: RawReport[]): Promise<number> {
    let version = 0;
    for (const r of reports) {
      const res = await fetch(`${this.ingest.url}/api/stories/${r.storyId}/reports?wait=20`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(r),
      });
      const body = (await res.json()) as { status: string; version?: number; code?: string };
      if (res.status !== 201)
        throw new Error(`report ${r.id} not accepted: ${JSON.stringify(body)}`);
      version = body.version!;
    }
    return version;
  }

  /** Publishes reports straight to JetStream, as a newsroom tool does. */
  publish(...reports: RawReport[]): Promise<void> {
    return this.world.publish(reports);
  }

  /** A story with `entries` posts e1..eN, filed in one go; returns its version. */
  async story(storyId: string, entries = 0, data: Record<string, unknown> = {}): Promise<number> {
    const reports = [
      report(storyId, 'story.opened', {
        title: `Story ${storyId}`,
        summary: 'What we know so far.',
        ...data,
      }),
      ...Array.from({ length: entries }, (_, i) =>
        report(storyId, 'entry.posted', {
          entryId: `e${i + 1}`,
          body: `<p>Update number ${i + 1}.</p>`,
        }),
      ),
    ];
    await this.publish(...reports.slice(0, -1));
    return this.file(reports[reports.length - 1]);
  }

  /** The story's version as the read API tells it. */
  async version(storyId: string): Promise<number> {
    const res = await fetch(`${this.url}/api/stories/${storyId}`);
    return ((await res.json()) as { version: number }).version;
  }

  async context(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    return this.browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  }

  /** A page that fails the test on any script error it reports. */
  async page(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, errors };
  }

  screenshot(page: Page, name: string): Promise<string> {
    return screenshot(page, name, false);
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    await this.fleet.stopAll();
    await this.world.close();
  }
}

/** Waits until the page's `[data-status]` says `status`. */
export async function statusIs(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`[data-status="${status}"]`, { timeout, state: 'attached' });
}

/** The entry ids the page shows, in DOM order (each `article[data-entry-id]`). */
export function entryIds(page: Page): Promise<string[]> {
  return page.$$eval('article[data-entry-id]', (els) =>
    els.map((el) => (el as HTMLElement).dataset.entryId!),
  );
}
