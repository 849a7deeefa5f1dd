// Lint for the whole workspace. The module-boundary rule is how DESIGN.md's arrows are enforced:
//   core <- tensor <- models / objectives <- trainer <- distributed <- cli;  game needs only core;
//   a backend plug-in (backend-gpujs) needs core and tensor; the browser playground sits beside cli
//   on top of trainer.
// A package importing against an arrow fails `npx nx lint` (see tools/test/boundaries.test.ts).
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', 'docs/api', '**/*.cjs', '.nx', 'tmp'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core'], bannedExternalImports: ['@huggingface/*', 'zod'] },
            { sourceTag: 'scope:tensor', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor'] },
            { sourceTag: 'scope:backend', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor', 'scope:backend'] },
            { sourceTag: 'scope:models', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor', 'scope:models'] },
            { sourceTag: 'scope:game', onlyDependOnLibsWithTags: ['scope:core', 'scope:game'], bannedExternalImports: ['@tensorflow/*'] },
            { sourceTag: 'scope:objectives', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor', 'scope:objectives'] },
            { sourceTag: 'scope:trainer', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor', 'scope:models', 'scope:game', 'scope:objectives', 'scope:trainer'] },
            { sourceTag: 'scope:distributed', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor', 'scope:models', 'scope:game', 'scope:objectives', 'scope:trainer', 'scope:distributed'] },
            { sourceTag: 'scope:playground', onlyDependOnLibsWithTags: ['scope:core', 'scope:tensor', 'scope:models', 'scope:game', 'scope:objectives', 'scope:trainer', 'scope:playground'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests import their own package by name on purpose: they exercise the public entry point.
    // The arrows are about shipped code (src/), which the rule above still checks.
    files: ['**/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
