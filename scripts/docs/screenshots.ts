/**
 * Screenshots of the pages for docs/ and the README, taken from a running system (`npm start`, whose
 * demo story is playing): `npx tsx scripts/docs/screenshots.ts <gateway url> <ingest url> <story id>`.
 */
import path from 'node:path';
import { launchChromium } from '../../test/support/browser';

const [gateway, ingest, storyId] = process.argv.slice(2);
if (!gateway || !ingest || !storyId) {
  console.error('usage: tsx scripts/docs/screenshots.ts <gateway url> <ingest url> <story id>');
  process.exit(2);
}
const out = path.resolve(__dirname, '../../docs/screenshots');

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await desktop.goto(`${gateway}/stories/${storyId}`);
    await desktop.waitForSelector('[data-status="live"]');
    await desktop.screenshot({ path: path.join(out, 'reader-desktop.png') });

    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      deviceScaleFactor: 2,
    });
    await phone.goto(`${gateway}/stories/${storyId}`);
    await phone.waitForSelector('[data-status="live"]');
    await phone.screenshot({ path: path.join(out, 'reader-phone.png') });

    const version = Number(await desktop.getAttribute('[data-version]', 'data-version'));
    const archived = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await archived.goto(`${gateway}/stories/${storyId}?at=${Math.max(1, Math.floor(version / 2))}`);
    await archived.screenshot({ path: path.join(out, 'archived.png') });

    const console = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await console.goto(`${ingest}/console`);
    await console.fill('#token', process.env.LIVEFEED_TOKEN ?? 'dev-token');
    await console.fill('#author', 'desk:weather');
    await console.click('#sign-in button[type="submit"]');
    await console.waitForSelector('#desk', { state: 'visible' });
    await console.fill('#story-id', storyId);
    await console.click('#story-picker button[type="submit"]');
    await console.waitForSelector('#story-panel [data-story-version]');
    await console.screenshot({ path: path.join(out, 'console.png') });
  } finally {
    await browser.close();
  }
}

void main().then(
  () => console.log(`screenshots in ${out}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
