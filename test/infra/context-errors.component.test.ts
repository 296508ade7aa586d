import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextError, readProvisionerContext } from '../../infra/provisioner-app';
import { disposeTestApps, newTestApp } from './support';

afterAll(() => disposeTestApps());

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('context the CDK app cannot use', () => {
  it('refuses a mistyped -c key, suggesting the setting and listing the known ones', () => {
    // given -c maxConcurency=3 (one r short)
    const app = newTestApp({ maxConcurency: '3' });
    // when the context is read, then it is refused with the likely setting and the list
    expect(() => readProvisionerContext(app)).toThrow(ContextError);
    expect(() => readProvisionerContext(app)).toThrow(
      /^Unknown setting in context: "maxConcurency" \(did you mean "maxConcurrency"\?\)\. Known settings: functionTimeoutSeconds, memorySize, .*maxConcurrency, .*redriveSchedule; and stage, stages\.$/,
    );
  });

  it('refuses an unknown key in a stage block of cdk.json the same way', () => {
    const app = newTestApp({ stage: 'prod', stages: { prod: { logLevl: 'DEBUG' } } });
    expect(() => readProvisionerContext(app)).toThrow(
      /^Unknown setting in context "stages\.prod": "logLevl" \(did you mean "logLevel"\?\)/,
    );
  });

  it("accepts CDK's own keys: the feature flags of cdk.json and the CLI's", () => {
    const app = newTestApp({ 'aws:cdk:bundling-stacks': [], 'cli-telemetry': false, 'acknowledged-issue-numbers': [1] });
    expect(readProvisionerContext(app)).toEqual({ stage: undefined, settings: {} });
  });

  it('reports bad context from the app in one line and exit code 1, without a stack trace', () => {
    // given the context cdk passes for `-c maxConcurency=3`, `-c maxConcurrency=many` and `-c maxConcurrency=1`
    for (const [context, message] of [
      [{ maxConcurency: '3' }, /^Unknown setting in context: "maxConcurency" \(did you mean "maxConcurrency"\?\)/],
      [{ maxConcurrency: 'many' }, /^Invalid context: maxConcurrency /],
      [{ maxConcurrency: '1' }, /maxConcurrency must be a whole number from 2 to 1000, got 1/],
    ] as const) {
      // when the app runs as cdk runs it
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-context-')) },
      });
      // then it says what is wrong, once, and fails
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
