import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configSchema, HTTP_ERROR_STATUS } from '@livefeed/common';
import { generatedDocs, SCHEMAS_DIR } from '../../../scripts/docs';
import { REJECTION_CODES } from './rejection';
import { REPORT_TYPES } from './report.schema';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const FIX = 'run npm run docs:generate';

describe('docs/ generated from the zod schemas (scripts/generate-docs.ts)', () => {
  const files = generatedDocs();

  it.each([...files.keys()])('%s is up to date', (path) => {
    const committed = existsSync(join(ROOT, path)) ? read(path) : `(missing) ${FIX}`;
    expect({ path, contents: committed, fix: FIX }).toEqual({
      path,
      contents: files.get(path),
      fix: FIX,
    });
  });

  it(`${SCHEMAS_DIR} holds only generated files`, () => {
    const stray = readdirSync(join(ROOT, SCHEMAS_DIR))
      .map((name) => `${SCHEMAS_DIR}/${name}`)
      .filter((path) => !files.has(path));
    expect({ stray, fix: FIX }).toEqual({ stray: [], fix: FIX });
  });

  it('generates the same bytes twice', () => {
    expect(generatedDocs()).toEqual(files);
  });
});

describe('docs/protocol.md names what the code defines', () => {
  const protocol = read('docs/protocol.md');
  const named = (words: readonly string[]) => words.filter((w) => !protocol.includes(`\`${w}\``));

  it('every configuration variable (libs/common/src/config.ts)', () => {
    expect(named(Object.keys(configSchema.shape))).toEqual([]);
  });
  it('every report type, rejection code and HTTP error code', () => {
    expect(named([...REPORT_TYPES, ...REJECTION_CODES, ...Object.keys(HTTP_ERROR_STATUS)])).toEqual(
      [],
    );
  });
});

/** The anchors GitHub gives a page's headings. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} +(.+)$/gm)) {
    anchors.add(
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

describe('links in README.md and docs/*.md', () => {
  const pages = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];

  it.each(pages)('%s links only to files and headings in the repository', (page) => {
    const broken: string[] = [];
    for (const [, target, anchor] of read(page).matchAll(/\]\(([^)#\s]*)(?:#([^)\s]*))?\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      const file = resolve(ROOT, dirname(page), target || page.split('/').pop()!);
      if (!file.startsWith(ROOT) || !existsSync(file)) broken.push(target);
      else if (anchor && !anchorsOf(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${target}#${anchor}`);
    }
    expect(broken).toEqual([]);
  });
});
