import { afterEach, describe, expect, it } from 'vitest';
import { validateErrorResponse } from '../../../local/fivetran-sandbox/contract';
import { type FivetranSandbox, type FivetranSandboxOptions, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, gitlabCreateBody, request, SANDBOX_GROUP, storedConfig } from './support/sandbox-http';

let sandbox: FivetranSandbox | undefined;
afterEach(async () => {
  if (sandbox === undefined) return;
  const violations = sandbox.contractViolations;
  await sandbox.close();
  sandbox = undefined;
  expect(violations).toEqual([]);
});

async function started(options: FivetranSandboxOptions): Promise<FivetranSandbox> {
  sandbox = await startFivetranSandbox({ groups: [SANDBOX_GROUP], ...options });
  return sandbox;
}

describe("the sandbox's setup-test limits", () => {
  it('count a create with setup tests, a PATCH that runs them and POST /test, and refuse the next with 429 and Retry-After', async () => {
    // Given an account allowed three setup-test runs a minute
    const own = await started({ setupTestRateLimit: { perMinute: 3 } });
    const created = await createConnection(own, gitlabCreateBody('gitlab_limited'));
    const id = created.body.data.id as string;

    // When a PATCH with tests, a POST /test, and then one more POST /test are made
    const patched = await request(own, 'PATCH', `/v1/connections/${id}`, {
      body: { run_setup_tests: true, config: { personal_access_token: 'glpat-next-token' } },
    });
    const tested = await request(own, 'POST', `/v1/connections/${id}/test`, { body: {} });
    const refused = await request(own, 'POST', `/v1/connections/${id}/test`, { body: {} });

    // Then the fourth run is refused as Fivetran refuses, with a wait of up to a minute
    expect([created.status, patched.status, tested.status]).toEqual([201, 200, 200]);
    expect(refused.status).toBe(429);
    expect(validateErrorResponse(refused.body)).toEqual({ valid: true });
    expect(refused.body.code).toBe('TooManyRequests');
    expect(refused.body.message).toBe('No more than 3 setup tests can be run in one-minute time period');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('refuse a PATCH with setup tests before applying it, while a PATCH without tests still goes through', async () => {
    // Given an account whose one setup-test run an hour is used up by the create
    const own = await started({ setupTestRateLimit: { perHour: 1 } });
    const id = (await createConnection(own, gitlabCreateBody('gitlab_hourly'))).body.data.id as string;

    // When a new token is sent with tests, then a pause without tests
    const refused = await request(own, 'PATCH', `/v1/connections/${id}`, {
      body: { run_setup_tests: true, config: { personal_access_token: 'glpat-not-applied' } },
    });
    const paused = await request(own, 'PATCH', `/v1/connections/${id}`, { body: { paused: true } });

    // Then the token was not stored, and the pause was
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(paused.status).toBe(200);
    expect(storedConfig(own).personal_access_token).toBe('glpat-sandbox-test-token');
    expect(own.connections()[0]?.data.paused).toBe(true);
  });

  it('scale their windows with timeScale, as the account limits do', async () => {
    // Given one run an hour, an hour lasting 3.6 s
    const own = await started({ setupTestRateLimit: { perHour: 1, timeScale: 1000 } });
    const id = (await createConnection(own, gitlabCreateBody('gitlab_scaled'))).body.data.id as string;

    // When the tests are asked for at once
    const refused = await request(own, 'POST', `/v1/connections/${id}/test`, { body: {} });

    // Then the wait asked for is the scaled one
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(4);
  });
});
