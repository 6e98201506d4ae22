import { defineConfig } from 'vitest/config';

// Two projects behind one `npm test`: the fast unit suite and the real-environment
// suite (cached venvs built from PyPI; see test/real-env/venvs.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: ['test/real-env/**', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'real-env',
          include: ['test/real-env/**/*.test.ts'],
          // venv builds are slow the first time; after that they come from the cache
          testTimeout: 3_600_000,
          hookTimeout: 3_600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
