/** Three tiers (STYLE.md): pure *.spec.ts, adapter *.int-spec.ts, whole-app test/**\/*.e2e-spec.ts. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@livefeed/(domain|event-store|messaging|common|client|protocol)$': '<rootDir>/libs/$1/src',
  '^@livefeed/(domain|event-store|messaging|common|client|protocol)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // Nest 12 and a few of its dependencies ship ES modules only; Jest's CJS loader needs them transformed.
  // Still needed on Node 24: Node's own require(esm) does not reach Jest's module registry, and Jest's
  // require(esm) needs vm modules (node --experimental-vm-modules); without this list 11 of 21 unit
  // suites fail with "Must use import to load ES Module" (htmlparser2 via sanitize-html, @nestjs/*).
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uid|iterare|@nats-io|file-type|strtok3|token-types|peek-readable|htmlparser2|domhandler|domelementtype|domutils|dom-serializer|entities)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper,
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,bench}/**/*.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,bench}/**/*.int-spec.ts'], slowTestThreshold: 30 },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], slowTestThreshold: 60 },
    // The fault suite (docs/faults.md): its short form in every run, LIVEFEED_FAULTS=full the full one.
    {
      ...base,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/*.fault-spec.ts'],
      slowTestThreshold: 120,
    },
  ],
};
