import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/**
 * The Node version the packages require, stated and met (docs/security.md, "Dependencies"): every
 * Node that package.json's `engines` admits runs every production dependency, and the Node the
 * project brings along (the devDependency `node`, which builds and tests it) runs every package.
 */
const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
};
const requirements = Object.entries(lock.packages).flatMap(([where, entry]) => {
  const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
  return where && node
    ? [{ name: where.replace(/^.*node_modules\//, ''), node, dev: entry.dev === true }]
    : [];
});

describe('the Node version', () => {
  it('that engines admits runs every production dependency', () => {
    const refused = requirements
      .filter((r) => !r.dev && !semver.subset(pkg.engines.node, r.node))
      .map((r) => `${r.name} wants node ${r.node}`);
    expect(refused).toEqual([]);
    expect(requirements.filter((r) => !r.dev).length).toBeGreaterThan(20);
  });

  it('the project brings along satisfies engines and every package, dev tools included', () => {
    const brought = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules/node/package.json'), 'utf8'),
    ) as { version: string };
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
    expect(semver.satisfies(brought.version, pkg.devDependencies.node)).toBe(true);
    expect(semver.satisfies(brought.version, pkg.engines.node)).toBe(true);
    const refused = requirements
      .filter((r) => !semver.satisfies(brought.version, r.node))
      .map((r) => `${r.name} wants node ${r.node}`);
    expect(refused).toEqual([]);
  });
});
