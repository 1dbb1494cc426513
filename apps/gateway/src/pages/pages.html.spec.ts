import { runInNewContext } from 'node:vm';
import type { StoryState } from '@livefeed/domain';
import { readerPage } from './pages.html';

/** Just enough DOM for the page's script: elements by id, and text escaping through a div. */
function fakeDocument() {
  const elements = new Map<string, { textContent: string; innerHTML: string }>();
  const escape = (s: string) =>
    s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return {
    elements,
    document: {
      title: '',
      getElementById(id: string) {
        if (!elements.has(id)) elements.set(id, { textContent: '', innerHTML: '' });
        return elements.get(id);
      },
      createElement() {
        const div = { innerHTML: '' };
        return Object.defineProperty(div, 'textContent', {
          set(value: string) {
            div.innerHTML = escape(value);
          },
        });
      },
    },
  };
}

interface Subscribed {
  options: { token?: string };
  storyId: string;
  handlers: {
    onState(state: StoryState): void;
    onStatus(status: string): void;
    onAudience(count: number): void;
    onError(error: Error): void;
  };
}

/** Runs the page's own script against the fake DOM and a recording stand-in for the SDK. */
function runPage(storyId: string, hash = '') {
  const html = readerPage(storyId, 'n0nce');
  const script = /<script nonce="n0nce">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (!script) throw new Error('no inline script with the nonce');
  const { document, elements } = fakeDocument();
  const subscribed: Partial<Subscribed> = {};
  const Livefeed = {
    createLivefeedClient(options: { token?: string }) {
      subscribed.options = options;
      return {
        subscribe(id: string, handlers: Subscribed['handlers']) {
          subscribed.storyId = id;
          subscribed.handlers = handlers;
        },
      };
    },
  };
  runInNewContext(script, { document, Livefeed, URLSearchParams, location: { hash, search: '' } });
  return { html, document, elements, subscribed: subscribed as Subscribed };
}

const story: StoryState = {
  id: 'quake',
  title: 'Quake <script>alert(1)</script>',
  summary: 'Aftershocks',
  status: 'live',
  visibility: 'public',
  version: 3,
  openedAt: '2026-11-24T08:00:00.000Z',
  updatedAt: '2026-11-24T08:02:00.000Z',
  entries: [
    {
      entryId: 'e1',
      kind: 'post',
      body: '<p>First <em>report</em></p>',
      author: 'desk:a',
      source: { name: 'AP <b>wire</b>' },
      postedAt: '2026-11-24T08:01:00.000Z',
      editedAt: null,
      corrections: [{ note: 'Figure <i>fixed</i>', at: '2026-11-24T08:02:00.000Z' }],
      pinned: false,
      retracted: null,
    },
  ],
  figures: [
    {
      figureId: 'deaths',
      label: 'Killed',
      unit: null,
      bySource: [
        {
          source: { name: 'Ministry' },
          value: 12,
          qualifier: 'at-least',
          reportedAt: '2026-11-24T08:01:30.000Z',
        },
      ],
    },
  ],
} as unknown as StoryState;

describe('the reader page', () => {
  it('subscribes through the SDK bundle, with the token from the fragment', () => {
    const { html, subscribed } = runPage('quake', '#token=abc.def');
    expect(html).toContain('<script src="/assets/livefeed-client.js"></script>');
    expect(subscribed.storyId).toBe('quake');
    expect(subscribed.options).toEqual({ token: 'abc.def' });
    expect(runPage('quake').subscribed.options).toEqual({});
  });

  it('renders the folded state, escaping all but the sanitised bodies', () => {
    const { elements, document, subscribed } = runPage('quake');
    subscribed.handlers.onState(story);
    expect(document.title).toBe(story.title);
    expect(elements.get('title')!.textContent).toBe(story.title);
    const entries = elements.get('entries')!.innerHTML;
    expect(entries).toContain('<p>First <em>report</em></p>');
    expect(entries).toContain('AP &lt;b&gt;wire&lt;/b&gt;');
    expect(entries).toContain('Correction: Figure &lt;i&gt;fixed&lt;/i&gt;');
    expect(elements.get('figures')!.innerHTML).toContain('at-least 12  (Ministry)');
  });

  it('shows a retraction instead of the body', () => {
    const { elements, subscribed } = runPage('quake');
    const retracted = {
      ...story,
      entries: [
        { ...story.entries[0], body: null, retracted: { reason: 'Wrong <town>', at: 'x' } },
      ],
    } as unknown as StoryState;
    subscribed.handlers.onState(retracted);
    expect(elements.get('entries')!.innerHTML).toContain(
      '<p class="retracted">Retracted: Wrong &lt;town&gt;</p>',
    );
  });

  it('shows the status, the audience and errors', () => {
    const { elements, subscribed } = runPage('quake');
    subscribed.handlers.onStatus('catching-up');
    expect(elements.get('status')!.textContent).toBe('catching up…');
    subscribed.handlers.onStatus('live');
    expect(elements.get('status')!.textContent).toBe('live');
    subscribed.handlers.onAudience(42);
    expect(elements.get('audience')!.textContent).toBe('42 reading');
    subscribed.handlers.onError(new Error('not allowed'));
    expect(elements.get('status')!.textContent).toBe('not allowed');
  });

  it('says so when the story is withdrawn because the token expired', () => {
    const { elements, subscribed } = runPage('quake', '#token=abc.def');
    subscribed.handlers.onError(Object.assign(new Error('withdrawn'), { code: 'revoked' }));
    expect(elements.get('status')!.textContent).toMatch(/^access expired/);
  });

  it('cannot be broken out of by a story id', () => {
    const { html } = runPage('x');
    expect(html).not.toContain('</script><script>');
    expect(readerPage('</script><script>alert(1)</script>', 'n')).not.toContain(
      '</script><script>alert(1)',
    );
  });
});
