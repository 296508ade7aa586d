/**
 * The sandbox's stand-in for Fivetran's setup tests of a GitLab connection. Fivetran reaches
 * GitLab with the stored credentials; the sandbox cannot, so the outcome follows the credential
 * text instead (a stand-in rule, documented in local/README.md):
 *
 * - a token or certificate containing `invalid`: GitLab cannot be reached with it
 *   (`Connecting to GitLab` FAILED, the next test SKIPPED);
 * - one containing `expired` or `revoked`, or one that is Fivetran's mask `******` itself (a client wrote back a
 *   config it had read): GitLab is reached but refuses it (`Validating credentials` FAILED);
 * - anything else passes.
 *
 * Result items are `{title, status, message}` as Fivetran answers them (shared/fivetran/README.md).
 */
import { MASKED_SECRET } from './contract';
import type { GitlabConnectionData } from './types';

export type SetupTestResults = NonNullable<GitlabConnectionData['setup_tests']>;

/** The sandbox's deterministic stand-in for "the credentials do not work". */
export const INVALID_CREDENTIAL_MARKER = 'invalid';
/** Markers of a credential GitLab refuses although it can be reached. */
export const REFUSED_CREDENTIAL_MARKERS = ['expired', 'revoked'] as const;

export const SETUP_TEST_TITLES = { connecting: 'Connecting to GitLab', validating: 'Validating credentials' } as const;

/** The credentials a setup test reads: the stored config and auth of a connection. */
export interface StoredCredentials {
  config?: Record<string, unknown> | undefined;
  auth?: { access_token?: unknown } | undefined;
}

/** Runs the (simulated) setup tests against these credentials. */
export function runSetupTests(credentials: StoredCredentials): SetupTestResults {
  const values = [credentials.config?.personal_access_token, credentials.config?.client_certificate, credentials.auth?.access_token].filter(
    (value): value is string => typeof value === 'string',
  );
  const { connecting, validating } = SETUP_TEST_TITLES;
  if (values.some((value) => value.includes(INVALID_CREDENTIAL_MARKER))) {
    return [
      { title: connecting, status: 'FAILED', message: 'Invalid credentials' },
      { title: validating, status: 'SKIPPED', message: 'Skipped because a previous test failed' },
    ];
  }
  if (values.some((value) => value === MASKED_SECRET || REFUSED_CREDENTIAL_MARKERS.some((marker) => value.includes(marker)))) {
    return [
      { title: connecting, status: 'PASSED' },
      { title: validating, status: 'FAILED', message: 'GitLab refused the credentials: the token has expired or was revoked' },
    ];
  }
  return [
    { title: connecting, status: 'PASSED' },
    { title: validating, status: 'PASSED' },
  ];
}

/** Whether every test passed (a WARNING or SKIPPED counts as not failed; FAILED and JOB_FAILED fail). */
export function setupTestsPassed(results: SetupTestResults): boolean {
  return results.every((test) => test.status !== 'FAILED' && test.status !== 'JOB_FAILED');
}
