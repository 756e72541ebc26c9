// Lint rules that hold the architecture in place (see docs/architecture.md, "Dependency rules").
import tseslint from 'typescript-eslint';

const noServiceImports = {
  group: ['@w3pool/listener', '@w3pool/was', '@w3pool/worker', '@w3pool/launcher', '**/services/**'],
  message:
    'Services never import each other: they cooperate through Redis and the shared packages (packages/protocol), as http.sys, WAS and w3wp do through queues and configuration.',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'config/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'test/summary-reporter.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // A rest sibling names what is left out on purpose (`const { pool, ...counters } = stats`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A god function (the listener's intake was one 392-line closure) must not come back: past 80
      // lines a function is split into named stages.
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['services/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noServiceImports] }] },
  },
  {
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@w3pool/listener',
                '@w3pool/was',
                '@w3pool/worker',
                '@w3pool/launcher',
                '**/services/**',
              ],
              message: 'Packages are libraries: they never depend on a service.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/extensions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@w3pool/*', '!@w3pool/extension-sdk'],
              message:
                'An extension imports only the SDK, so it can be built and versioned on its own, like an ISAPI DLL.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // A suite is one describe() callback around its tests.
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // Tests build deliberately malformed configurations.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
