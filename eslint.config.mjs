// ESLint flat config: typescript-eslint's type-aware recommended rules for src/ and test/, plain recommended
// rules for the JavaScript scripts, benchmarks and examples. Formatting is Prettier's (npm run format).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // migrations/: a landed migration never changes, not even for a lint fix (migrations/checksums.json).
    ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'migrations/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Unused names are errors, except deliberately unused ones (`_name`, `{ omitted: _, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Apollo plugin hooks, async-iterator methods and callbacks typed `() => Promise<…>` are declared async
      // without awaiting; forgotten awaits are what no-floating-promises and no-misused-promises catch.
      '@typescript-eslint/require-await': 'off',
      // Closures declared before the value they use is assigned (a request's timer and the request itself).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read the server's JSON answers (SCIM bodies, GraphQL data, webhook payloads) as `any` on purpose:
    // their assertions are what checks the shape, and typing every response would only restate them.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off', // the JSON fixtures (ScimResult.body, GraphQL data) are `any`
      '@typescript-eslint/no-unsafe-member-access': 'off', // reading fields of those JSON bodies
      '@typescript-eslint/no-unsafe-assignment': 'off', // destructuring them
      '@typescript-eslint/no-unsafe-argument': 'off', // passing their fields on (ids, cursors)
      '@typescript-eslint/no-unsafe-return': 'off', // fixtures that return them
      '@typescript-eslint/no-unsafe-call': 'off', // calling expect helpers on them
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
);
