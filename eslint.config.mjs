// Type-aware lint for Anole (npm test runs it as the `lint` tier; any error fails the run).
// The rules that matter most: no promise left floating or passed where a callback returns void
// (an extension host loses those errors), `vscode` kept out of the pure core and the CLI, and
// type-only imports marked as such so the bundles stay lean.
import tseslint from 'typescript-eslint';

const noVscode = {
  paths: [{ name: 'vscode', message: 'src/core and src/cli must not depend on VS Code (keep it in src/extension).' }],
  patterns: [{ group: ['**/extension/**', '**/extension'], message: 'src/core and src/cli must not import the VS Code layer.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.anole-test/**', 'test-artifacts/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // typeof import('…') stays allowed: tests load vscode-dependent modules lazily that way.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', noVscode] },
  },
);
