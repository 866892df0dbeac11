import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first: a folder imports only from its own layer or below, never
 * upward. The engine is pure: it imports contracts and nothing else (no Nest, no database, no Kafka).
 */
const LAYERS = [
  ['contracts', 'config'],
  ['engine', 'common'],
  ['auth', 'database', 'metrics', 'outbox', 'health', 'eventlog', 'stats'],
  ['rules', 'context', 'flags', 'milestones'],
  ['evaluation', 'timeline', 'simulate'],
  ['events', 'backfill', 'scheduler', 'manual-flags'],
  ['kafka', 'retention'],
  ['cli'],
];
/** @param {number} from */
const folders = (from) => LAYERS.slice(from).flat();
/** @param {string[]} names */
const importsOf = (names) => `^\\.\\./(${names.join('|')})/`;
const layering = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const above = folders(i + 1);
    const forbidden = folder === 'engine' ? LAYERS.flat().filter((f) => f !== 'contracts' && f !== 'engine') : above;
    return {
      files: [`src/${folder}/**/*.ts`],
      ignores: ['**/*.spec.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...(forbidden.length
                ? [{ regex: importsOf(forbidden), message: `src/${folder} is below these folders: it must not import them (layering)` }]
                : []),
              ...(folder === 'engine'
                ? [
                    {
                      regex: '^(@nestjs/|typeorm$|pg$|kafkajs$|@electric-sql/)',
                      message: 'the engine is plain TypeScript: no Nest, no database, no Kafka',
                    },
                  ]
                : []),
            ],
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.data/',
      'infra/kafka/target/',
      'bench/results/',
      'test/artifacts/',
      'jest.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'bin/*.js', 'bench/service/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'bench/**/*.mjs'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  ...layering,
  prettier,
);
