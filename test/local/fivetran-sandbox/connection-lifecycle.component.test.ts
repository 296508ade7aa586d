import { describe, expect, it } from 'vitest';
import {
  validateDeleteResponse,
  validateGetResponse,
  validateSetupTestsResponse,
  validateUpdateResponse,
} from '../../../local/fivetran-sandbox/contract';
import type { FivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, expectError, gitlabCreateBody, request, storedConfig, useSandbox } from './support/sandbox-http';

let sandbox: FivetranSandbox;
useSandbox((started) => (sandbox = started));

async function createdId(schema = 'gitlab_lifecycle'): Promise<string> {
  const created = await createConnection(sandbox, gitlabCreateBody(schema));
  expect(created.status).toBe(201);
  return created.body.data.id as string;
}

function patch(id: string, body: unknown) {
  return request(sandbox, 'PATCH', `/v1/connections/${id}`, { body });
}

describe('GET /v1/connections/{id}', () => {
  it("shows the stored secret values as Fivetran's mask '******' and the other config values as they are", async () => {
    // Given a connection created with a personal access token
    const id = await createdId();

    // When it is read
    const response = await request(sandbox, 'GET', `/v1/connections/${id}`);

    // Then the answer is contract-valid and the token is masked
    expect(response.status).toBe(200);
    expect(validateGetResponse(response.body)).toEqual({ valid: true });
    expect(response.body.data.config).toEqual({
      schema: 'gitlab_lifecycle',
      auth: 'personal_access_token',
      base_url: 'gitlab.com',
      personal_access_token: '******',
    });
  });
});

describe('PATCH /v1/connections/{id}', () => {
  it('applies only the fields sent: a config patch merges keys, and untouched settings keep their values', async () => {
    // Given a connection syncing daily
    const id = await createdId();

    // When only the base URL and the pause flag are changed
    const response = await patch(id, { paused: true, config: { custom_base_url: 'gitlab.example.com' } });

    // Then the answer is valid, the new values are applied, the rest (the token included) is kept, and no tests ran
    expect(response.status).toBe(200);
    expect(validateUpdateResponse(response.body)).toEqual({ valid: true });
    expect(response.body).toMatchObject({ code: 'Success', message: 'Connection has been updated' });
    expect(response.body.data).toMatchObject({ paused: true, sync_frequency: 1440, status: { sync_state: 'paused' } });
    expect(response.body.data.config).toMatchObject({ custom_base_url: 'gitlab.example.com', personal_access_token: '******' });
    expect(response.body.data.setup_tests).toBeUndefined();
    expect(storedConfig(sandbox).personal_access_token).toBe('glpat-sandbox-test-token');
  });

  it('runs the setup tests on new credentials with run_setup_tests and passes a working token', async () => {
    // Given a connection
    const id = await createdId();

    // When a new token is sent with run_setup_tests
    const response = await patch(id, { run_setup_tests: true, config: { personal_access_token: 'glpat-rotated-token-2' } });

    // Then the tests ran and passed, and the new token is stored, never shown
    expect(response.status).toBe(200);
    expect(validateUpdateResponse(response.body)).toEqual({ valid: true });
    expect(response.body.data.setup_tests).toEqual([
      { title: 'Connecting to GitLab', status: 'PASSED' },
      { title: 'Validating credentials', status: 'PASSED' },
    ]);
    expect(response.body.data.status.setup_state).toBe('connected');
    expect(response.text).not.toContain('glpat-rotated-token-2');
    expect(storedConfig(sandbox).personal_access_token).toBe('glpat-rotated-token-2');
  });

  it.each(['expired', 'revoked'])(
    "fails 'Validating credentials' and marks the connection broken for a token that is %s",
    async (marker) => {
      // Given a connection
      const id = await createdId();

      // When a token GitLab would refuse is applied with setup tests
      const response = await patch(id, { run_setup_tests: true, config: { personal_access_token: `glpat-${marker}-token` } });

      // Then the validating test failed and the connection is broken
      expect(response.status).toBe(200);
      expect(response.body.data.setup_tests).toContainEqual(expect.objectContaining({ title: 'Validating credentials', status: 'FAILED' }));
      expect(response.body.data.status.setup_state).toBe('broken');
    },
  );

  it("fails the setup tests when a client writes the mask '******' back as the token, as GitLab would refuse it", async () => {
    // Given a connection whose config was read (token masked)
    const id = await createdId();
    const read = await request(sandbox, 'GET', `/v1/connections/${id}`);

    // When that config is sent back whole with setup tests
    const response = await patch(id, { run_setup_tests: true, config: read.body.data.config });

    // Then the stored token is now the mask and the connection is broken
    expect(response.body.data.status.setup_state).toBe('broken');
    expect(storedConfig(sandbox).personal_access_token).toBe('******');
  });

  it('merges auth keys too, and a refused OAuth access token fails the tests', async () => {
    // Given an OAuth connection
    const created = await createConnection(
      sandbox,
      gitlabCreateBody('gitlab_oauth', {
        config: { schema: 'gitlab_oauth', auth: 'oauth_2' },
        auth: {
          access_token: 'oauth-access-1',
          refresh_token: 'oauth-refresh-1',
          client_access: { client_id: 'app', client_secret: 'cs-1' },
        },
      }),
    );

    // When only the access token changes, to a revoked one
    const response = await patch(created.body.data.id, { run_setup_tests: true, auth: { access_token: 'oauth-revoked-2' } });

    // Then the tests fail and the other auth keys are kept
    expect(response.body.data.status.setup_state).toBe('broken');
    expect(sandbox.connections()[0]?.createRequest.auth).toEqual({
      access_token: 'oauth-revoked-2',
      refresh_token: 'oauth-refresh-1',
      client_access: { client_id: 'app', client_secret: 'cs-1' },
    });
  });

  it.each([
    ['an unknown config key', { config: { password: 'x' } }],
    ['a config value of the wrong type', { config: { personal_access_token: 42 } }],
    ['a sync frequency Fivetran does not offer', { sync_frequency: 7 }],
    ['another schema', { config: { schema: 'gitlab_renamed' } }],
    ['trust_certificates without run_setup_tests', { trust_certificates: true, paused: true }],
  ])('refuses %s with 400 InvalidInput and changes nothing', async (_case, body) => {
    // Given a connection
    const id = await createdId();
    const before = sandbox.connections();

    // When the invalid update is sent
    const response = await patch(id, body);

    // Then it is refused and the connection is as it was
    expectError(response, 400, 'InvalidInput');
    expect(sandbox.connections()).toEqual(before);
  });

  it('accepts the schema the connection already has', async () => {
    const id = await createdId();

    const response = await patch(id, { config: { schema: 'gitlab_lifecycle' } });

    expect(response.status).toBe(200);
  });
});

describe('POST /v1/connections/{id}/test', () => {
  it('answers 400 to a request without a body, and runs the tests with the stored credentials for {}', async () => {
    // Given a connection whose token was revoked by an update without tests
    const id = await createdId();
    await patch(id, { config: { personal_access_token: 'glpat-revoked-token' } });

    // When the tests are asked for without a body, then with {}
    const withoutBody = await request(sandbox, 'POST', `/v1/connections/${id}/test`);
    const withEmptyObject = await request(sandbox, 'POST', `/v1/connections/${id}/test`, { body: {} });

    // Then the first is refused and the second tests the stored (revoked) token
    expectError(withoutBody, 400, 'InvalidInput');
    expect(withEmptyObject.status).toBe(200);
    expect(validateSetupTestsResponse(withEmptyObject.body)).toEqual({ valid: true });
    expect(withEmptyObject.body).toMatchObject({ code: 'Success', message: 'Setup tests have been completed' });
    expect(withEmptyObject.body.data.status.setup_state).toBe('broken');
  });

  it('accepts trust_certificates and trust_fingerprints', async () => {
    const id = await createdId();

    const response = await request(sandbox, 'POST', `/v1/connections/${id}/test`, {
      body: { trust_certificates: true, trust_fingerprints: false },
    });

    expect(response.status).toBe(200);
    expect(response.body.data.setup_tests.map((test: { status: string }) => test.status)).toEqual(['PASSED', 'PASSED']);
  });
});

describe('DELETE /v1/connections/{id}', () => {
  it('deletes the connection, after which every route on it answers 404 NotFound_Connection', async () => {
    // Given a connection
    const id = await createdId();

    // When it is deleted
    const deleted = await request(sandbox, 'DELETE', `/v1/connections/${id}`);

    // Then the answer is Fivetran's, and the connection is gone for every route
    expect(deleted.status).toBe(200);
    expect(validateDeleteResponse(deleted.body)).toEqual({ valid: true });
    expect(deleted.body).toEqual({ code: 'Success', message: `Connection with id '${id}' has been deleted` });
    const after = [
      await request(sandbox, 'GET', `/v1/connections/${id}`),
      await patch(id, { paused: true }),
      await request(sandbox, 'POST', `/v1/connections/${id}/test`, { body: {} }),
      await request(sandbox, 'DELETE', `/v1/connections/${id}`),
      await request(sandbox, 'POST', `/v1/connections/${id}/connect-card`, {
        body: { connect_card_config: { redirect_uri: 'https://x.test' } },
      }),
    ];
    for (const response of after) expectError(response, 404, 'NotFound_Connection');
    expect(after[0]?.body.message).toBe(`Connection with id '${id}' does not exist.`);
  });
});

describe('faults on the lifecycle routes', () => {
  it('an applied-then-500 fault answers 500 to a PATCH whose change was nonetheless applied', async () => {
    // Given a connection and a fault on its next change
    const id = await createdId();
    sandbox.injectFault({ kind: 'applied-then-500', path: `/v1/connections/${id}` });

    // When it is paused
    const response = await patch(id, { paused: true });

    // Then the client sees a 500, but the connection is paused
    expectError(response, 500, 'InternalServerError');
    expect(sandbox.connections()[0]?.data.paused).toBe(true);
    expect(sandbox.calls.at(-1)?.faultKind).toBe('applied-then-500');
  });

  it('an applied-then-500 fault waits for a change: a GET in between is answered normally', async () => {
    const id = await createdId();
    sandbox.injectFault({ kind: 'applied-then-500' });

    const read = await request(sandbox, 'GET', `/v1/connections/${id}`);
    const deleted = await request(sandbox, 'DELETE', `/v1/connections/${id}`);

    expect(read.status).toBe(200);
    expect(deleted.status).toBe(500);
    expect(sandbox.connections()).toEqual([]);
  });

  it('a latency fault holds a POST /test past a client that gives up, as a hanging Fivetran does', async () => {
    // Given a connection whose setup tests hang for longer than the client waits
    const id = await createdId();
    sandbox.injectFault({ kind: 'latency', delayMs: 2_000, path: `/v1/connections/${id}/test` });

    // When the client asks with a short timeout
    const attempt = fetch(`${sandbox.url}/v1/connections/${id}/test`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: '{}',
      signal: AbortSignal.timeout(100),
    });

    // Then it gets no answer in time
    await expect(attempt).rejects.toThrow();
    expect(sandbox.pendingRequests).toBe(1);
  });
});
