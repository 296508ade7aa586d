import { defineConfig } from 'vitest/config';

/**
 * Three kinds of test, by name: `*.test.ts` is a unit test (no server, no
 * process: test/support/no-servers.ts enforces it), `*.component.test.ts`
 * starts loopback servers or child processes, and test/campaigns/ holds the
 * long seeded campaigns that `npm run test:quick` leaves out.
 */
export default defineConfig({
  test: {
    environment: 'node',
    // Component tests start loopback servers; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets CI print a one-line count of passed and failed tests.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.component.test.ts', 'test/campaigns/**'],
          setupFiles: ['test/setup-env.ts', 'test/support/no-servers.ts'],
        },
      },
      { extends: true, test: { name: 'component', include: ['test/**/*.component.test.ts'], setupFiles: ['test/setup-env.ts'] } },
      { extends: true, test: { name: 'campaigns', include: ['test/campaigns/**/*.test.ts'], setupFiles: ['test/setup-env.ts'] } },
    ],
  },
});
