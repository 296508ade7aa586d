import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup-env.ts'],
    // Integration tests start loopback servers; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets CI print a one-line count of passed and failed tests.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
