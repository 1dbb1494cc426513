import type { StoryState } from '@livefeed/domain/story.state';
import { bootFromApi, tokenFromHash } from './boot';
import { LiveView } from './live.view';
import { keepTimesRelative } from './times';

/** What the server put beside the markup: the state it rendered (with the entries shown). */
interface RenderedData {
  readonly state: StoryState;
  readonly next: string | null;
  readonly closingNote: string | null;
}

/**
 * The script of the gateway's pages (`/assets/reader.js`): the story page goes live from the
 * version the server rendered; a private story is fetched with the reader's token and rendered
 * here; the other pages only get relative times.
 */
function main(): void {
  const root = document.querySelector<HTMLElement>('[data-story-id][data-version]');
  const mode = root?.dataset.mode;
  if (root && mode === 'live') {
    const data = JSON.parse(
      document.querySelector('script[data-livefeed-state]')?.textContent ?? 'null',
    ) as RenderedData | null;
    if (data) {
      new LiveView(root, { base: '', token: tokenFromHash(), ownsDocument: true, ...data }).start();
      return;
    }
  }
  if (root && mode === 'private') {
    const host = root.parentElement!;
    root.remove();
    void bootFromApi(host, '', root.dataset.storyId!, tokenFromHash());
    return;
  }
  keepTimesRelative(document.body);
}

main();
