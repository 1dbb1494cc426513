import type { EntryKind, Qualifier, ReportType } from '@livefeed/domain';

/**
 * The console's forms, one per report type, as data: the page renders them with one function and turns a
 * filled form into a report's `data` with another (docs/protocol.md, "Reports in"). Only type imports
 * from the domain: its schemas (zod) stay out of the page; the write API validates and answers with
 * field errors.
 */

export interface FieldSpec {
  /** The form control's name; a dotted path (`source.name`) nests in `data`. */
  readonly name: string;
  readonly label: string;
  /** `sources`: a textarea of one source a line, `Name | https://link`, filed as a list. */
  readonly control: 'text' | 'textarea' | 'number' | 'select' | 'url' | 'sources';
  readonly required?: boolean;
  readonly options?: readonly string[];
  readonly hint?: string;
  /** An entry id field: the live story's entries fill it when the editor picks one. */
  readonly entryRef?: boolean;
}

export interface FormSpec {
  readonly type: ReportType;
  readonly title: string;
  readonly fields: readonly FieldSpec[];
}

const KINDS: readonly EntryKind[] = ['update', 'breaking', 'statement', 'analysis'];
const QUALIFIER_WORDS: readonly Qualifier[] = ['exact', 'approximately', 'at-least', 'at-most'];

const entryId = (hint?: string): FieldSpec => ({
  name: 'entryId',
  label: 'Entry id',
  control: 'text',
  required: true,
  entryRef: true,
  hint,
});

export const REPORT_FORMS: readonly FormSpec[] = [
  {
    type: 'entry.posted',
    title: 'Post an entry',
    fields: [
      { ...entryId('letters, digits, _ and -; new in this story'), entryRef: false },
      { name: 'kind', label: 'Kind', control: 'select', options: KINDS },
      { name: 'body', label: 'Body (HTML)', control: 'textarea', required: true },
      {
        name: 'sources',
        label: 'Sources',
        control: 'sources',
        hint: 'one a line: Name | https://link (the link is optional)',
      },
    ],
  },
  {
    type: 'entry.edited',
    title: 'Edit or correct an entry',
    fields: [
      entryId(),
      { name: 'body', label: 'New body (HTML)', control: 'textarea', required: true },
      {
        name: 'correction',
        label: 'Public correction note',
        control: 'text',
        hint: 'leave empty for a silent edit',
      },
    ],
  },
  {
    type: 'entry.retracted',
    title: 'Retract an entry',
    fields: [entryId(), { name: 'reason', label: 'Reason', control: 'text', required: true }],
  },
  { type: 'entry.pinned', title: 'Pin an entry', fields: [entryId()] },
  { type: 'entry.unpinned', title: 'Unpin an entry', fields: [entryId()] },
  {
    type: 'figure.reported',
    title: 'Report a figure',
    fields: [
      {
        name: 'figureId',
        label: 'Figure id',
        control: 'text',
        required: true,
        hint: 'a-z, 0-9 and -',
      },
      { name: 'label', label: 'Label', control: 'text', required: true },
      { name: 'value', label: 'Value', control: 'number', required: true },
      { name: 'qualifier', label: 'Qualifier', control: 'select', options: QUALIFIER_WORDS },
      { name: 'unit', label: 'Unit', control: 'text' },
      { name: 'source.name', label: 'Source', control: 'text', required: true },
      { name: 'source.url', label: 'Source link', control: 'url' },
    ],
  },
  {
    type: 'story.opened',
    title: 'Open the story',
    fields: [
      { name: 'title', label: 'Title', control: 'text', required: true },
      { name: 'summary', label: 'Summary', control: 'textarea' },
      {
        name: 'visibility',
        label: 'Visibility',
        control: 'select',
        options: ['public', 'private'],
      },
    ],
  },
  {
    type: 'story.updated',
    title: 'Update title or summary',
    fields: [
      { name: 'title', label: 'Title', control: 'text' },
      { name: 'summary', label: 'Summary', control: 'textarea' },
    ],
  },
  {
    type: 'story.closed',
    title: 'Close the story',
    fields: [{ name: 'note', label: 'Closing note', control: 'text' }],
  },
  { type: 'story.reopened', title: 'Reopen the story', fields: [] },
];

/**
 * A report's `data` from a form's values: empty optional fields are left out (absent, not ""), numbers
 * parsed, dotted names nested. A number that does not parse is passed as the text typed, so the write
 * API's field error names it.
 */
export function dataOf(
  form: FormSpec,
  values: (name: string) => string | undefined,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of form.fields) {
    const raw = values(field.name) ?? '';
    const text = field.control === 'textarea' ? raw : raw.trim();
    if (text === '') continue;
    if (field.control === 'sources') {
      data[field.name] = sourcesOf(text);
      continue;
    }
    const value = field.control === 'number' && Number.isFinite(Number(text)) ? Number(text) : text;
    const [head, leaf] = field.name.split('.', 2);
    if (leaf === undefined) data[head] = value;
    else
      data[head] = {
        ...((data[head] as Record<string, unknown> | undefined) ?? {}),
        [leaf]: value,
      };
  }
  return data;
}

/** `Name | link` lines as sources; blank lines skipped, the link optional. */
function sourcesOf(text: string): Array<{ name: string; url?: string }> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const bar = line.lastIndexOf('|');
      const name = (bar < 0 ? line : line.slice(0, bar)).trim();
      const url = bar < 0 ? '' : line.slice(bar + 1).trim();
      return url ? { name, url } : { name };
    });
}
