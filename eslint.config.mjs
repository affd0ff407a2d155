// ESLint flat config: typescript-eslint with type information (projectService).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependencies point down (README, Layout): apps/ → services/ → libs/. A file may not reach a
// higher layer by package name, by relative path, or through require(), require.resolve() or
// import() (the hidden links this replaced were require.resolve of a service's dist/main.js).
// test/src/boundaries.test.ts shows each form failing and checks the package graph for cycles.
const PACKAGE_FILES = { group: ['@hera/*/src/*', '@hera/*/dist/*'], message: 'import the package, not its files' };
const UP_TO = dir => `^(\\.\\./){2,}${dir}(/|$)`;
const LOADERS =
  ":matches(CallExpression[callee.name='require'], CallExpression[callee.object.name='require'][callee.property.name='resolve'], ImportExpression)";
// esquery regexes cannot hold a '/', so the syntax selectors spell it \x2F.
const esq = re => re.replaceAll('/', '\\x2F');

/**
 * Rules for a layer: `ids` are regexes of specifiers it may not import; `parts` one regex that a
 * fixed part of a template specifier (`@hera/${name}-service/dist/main.js`) may not match.
 */
function boundary(message, ids, parts) {
  return {
    'no-restricted-imports': ['error', { patterns: [PACKAGE_FILES, ...ids.map(regex => ({ regex, message }))] }],
    'no-restricted-syntax': [
      'error',
      { selector: `${LOADERS} > Literal[value=/${esq(ids.join('|'))}/]`, message },
      { selector: `${LOADERS} > TemplateLiteral > TemplateElement[value.raw=/${esq(parts)}/]`, message },
    ],
  };
}
const LIBS_BOUNDARY = boundary(
  'libs/ may not depend on services/ or apps/ (README, Layout)',
  ['^@hera/[^/]+-service(/|$)', '^@hera/cli(/|$)', UP_TO('services'), UP_TO('apps')],
  '-service(/|$)|^@hera/cli|(^|/)(services|apps)/',
);
const SERVICES_BOUNDARY = boundary(
  'services/ may not depend on apps/ (README, Layout)',
  ['^@hera/cli(/|$)', UP_TO('apps')],
  '^@hera/cli|(^|/)apps/',
);

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'libs/proto/src/generated/**',
      '.hera/**',
      '**/*.mjs',
      '**/*.cjs',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [PACKAGE_FILES] }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
    },
  },
  {
    // Tests, benchmarks and the CLI talk to people on stdout and may use looser types.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'apps/cli/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['libs/**/*.ts'], rules: LIBS_BOUNDARY },
  { files: ['services/**/*.ts'], rules: SERVICES_BOUNDARY },
);
