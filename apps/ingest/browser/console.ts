import { byId, el, fill } from './dom';
import { dataOf, REPORT_FORMS, type FieldSpec, type FormSpec } from './report.forms';
import { StoryPanel } from './story.panel';
import { fileReport, tokenAccepted, type FilingResult } from './write-api';

/*
 * The newsroom console (docs/protocol.md, "Pages"): sign in with a publisher token (kept in this tab's
 * sessionStorage, never in a URL), pick or open a story, file any report through the write API with
 * `?wait` and see its outcome beside the form; the story's live state beside the forms.
 */

const TOKEN = 'livefeed.console.token';
const AUTHOR = 'livefeed.console.author';
const STORY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

const gateway =
  document.querySelector<HTMLMetaElement>('meta[name="livefeed-gateway"]')?.content ?? '';

function start(): void {
  const signIn = byId<HTMLFormElement>('sign-in');
  const desk = byId<HTMLElement>('desk');
  const token = sessionStorage.getItem(TOKEN);
  if (token) openDesk(token, sessionStorage.getItem(AUTHOR) ?? '');
  signIn.addEventListener('submit', (e) => {
    e.preventDefault();
    void signInWith(signIn);
  });
  byId('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(AUTHOR);
    location.reload();
  });

  function openDesk(tokenValue: string, author: string): void {
    signIn.hidden = true;
    desk.hidden = false;
    fill(byId('signed-in-as'), `Filing as ${author}`);
    setUpDesk(tokenValue, author);
  }

  async function signInWith(form: HTMLFormElement): Promise<void> {
    const values = new FormData(form);
    const tokenValue = String(values.get('token') ?? '').trim();
    const author = String(values.get('author') ?? '').trim();
    const status = byId('sign-in-status');
    if (!tokenValue || !author) {
      fill(status, 'Give both your publisher token and your byline.');
      return;
    }
    fill(status, 'Checking the token…');
    const ok = await tokenAccepted(tokenValue).catch(() => false);
    if (!ok) {
      fill(status, 'The write API refused this token.');
      return;
    }
    sessionStorage.setItem(TOKEN, tokenValue);
    sessionStorage.setItem(AUTHOR, author);
    fill(status, '');
    openDesk(tokenValue, author);
  }
}

function setUpDesk(token: string, author: string): void {
  const storyInput = byId<HTMLInputElement>('story-id');
  const forms = byId('forms');
  const panel = new StoryPanel(gateway, byId('story-panel'), (entryId) => {
    for (const input of forms.querySelectorAll<HTMLInputElement>('input[data-entry-ref]'))
      input.value = entryId;
  });
  void listStories();
  byId<HTMLFormElement>('story-picker').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = storyInput.value.trim();
    if (!STORY_ID.test(id)) {
      fill(byId('story-status'), 'A story id is a-z, 0-9 and -, up to 64 characters.');
      return;
    }
    fill(byId('story-status'), '');
    panel.follow(id);
  });
  for (const spec of REPORT_FORMS) forms.append(reportForm(spec));

  function reportForm(spec: FormSpec): HTMLElement {
    const result = el('output', { 'data-result': '', role: 'status', 'aria-live': 'polite' });
    const form = el(
      'form',
      { 'data-report-type': spec.type, novalidate: true },
      ...spec.fields.map((f) => fieldOf(spec, f)),
      el('button', { type: 'submit' }, spec.title),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit(spec, form, result);
    });
    return el(
      'section',
      { class: 'report-form' },
      el('h3', {}, spec.title, ' ', el('code', {}, spec.type)),
      form,
      result,
    );
  }

  async function submit(spec: FormSpec, form: HTMLFormElement, result: HTMLElement): Promise<void> {
    const storyId = storyInput.value.trim();
    if (!STORY_ID.test(storyId)) {
      show(result, 'error', 'Pick or type a story id first.');
      return;
    }
    const values = new FormData(form);
    const data = dataOf(spec, (name) => values.get(name)?.toString());
    show(result, 'pending', 'Filing…');
    const outcome = await fileReport(token, storyId, { type: spec.type, author, data });
    render(result, outcome);
    if (outcome.kind === 'accepted') {
      if (spec.type === 'story.opened') {
        panel.refresh();
        void listStories();
      }
      panel.follow(storyId);
    }
  }

  async function listStories(): Promise<void> {
    const response = await fetch(`${gateway}/api/stories`).catch(() => null);
    if (!response?.ok) return;
    const stories = (await response.json()) as Array<{ id: string; title: string; status: string }>;
    fill(
      byId('stories'),
      ...stories.map((s) => el('option', { value: s.id }, `${s.title} (${s.status})`)),
    );
  }
}

function fieldOf(spec: FormSpec, field: FieldSpec): HTMLElement {
  const id = `${spec.type}-${field.name}`.replace(/\./g, '-');
  const common = {
    id,
    name: field.name,
    required: field.required,
    'data-entry-ref': field.entryRef ? '' : undefined,
    'aria-describedby': field.hint ? `${id}-hint` : undefined,
  };
  const control =
    field.control === 'textarea' || field.control === 'sources'
      ? el('textarea', { ...common, rows: field.control === 'sources' ? '2' : '3' })
      : field.control === 'select'
        ? el('select', common, ...(field.options ?? []).map((o) => el('option', { value: o }, o)))
        : el('input', {
            ...common,
            type: field.control === 'number' ? 'number' : field.control === 'url' ? 'url' : 'text',
            step: field.control === 'number' ? 'any' : undefined,
            autocomplete: 'off',
          });
  return el(
    'div',
    { class: 'field' },
    el('label', { for: id }, field.label, field.required ? ' *' : ''),
    control,
    field.hint ? el('small', { id: `${id}-hint` }, field.hint) : null,
  );
}

function render(target: HTMLElement, outcome: FilingResult): void {
  switch (outcome.kind) {
    case 'accepted':
      return show(target, 'accepted', `Accepted as version ${outcome.version}.`, {
        'data-version': String(outcome.version),
      });
    case 'rejected':
      return show(target, 'rejected', `Rejected: ${outcome.code} — ${outcome.message}`, {
        'data-code': outcome.code,
      });
    case 'queued':
      return show(
        target,
        'queued',
        `Queued as ${outcome.reportId}; no decision yet (ingest may be busy or down).`,
      );
    case 'error': {
      // A 400's message lists its field errors already; say each once, field by field.
      const fields = outcome.fields.map((f) => `${f.path.replace(/^data\./, '')}: ${f.message}`);
      return show(
        target,
        'error',
        `${outcome.code}: ${fields.length > 0 ? fields.join('; ') : outcome.message}`,
        { 'data-code': outcome.code },
      );
    }
  }
}

function show(
  target: HTMLElement,
  state: string,
  text: string,
  attributes: Record<string, string> = {},
): void {
  for (const name of ['data-version', 'data-code']) target.removeAttribute(name);
  target.setAttribute('data-state', state);
  for (const [name, value] of Object.entries(attributes)) target.setAttribute(name, value);
  fill(target, text);
}

start();
