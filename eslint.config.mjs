import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'libs/client/dist/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', 'typeorm', 'pg', '@nats-io/*', 'socket.io*'] }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'the domain reads no clock: time arrives as data' }, { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'the domain reads no clock' }],
    },
  },
  {
    // Shared by the gateway and the browser SDK: plain types and constants, no code of anyone else's.
    files: ['libs/protocol/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
        { regex: '^(?!\\.{1,2}/|@livefeed/)', message: 'the protocol depends on no package' },
        { group: ['@livefeed/*'], allowTypeImports: true, message: 'only types from other libs: their code must not reach the browser bundle' },
      ] }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
