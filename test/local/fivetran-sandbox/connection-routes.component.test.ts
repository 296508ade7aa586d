import { describe, expect, it } from 'vitest';
import {
  validateCreateResponse,
  validateDeleteResponse,
  validateErrorResponse,
  validateGetResponse,
} from '../../../local/fivetran-sandbox/contract';
import type { FivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, expectError, gitlabCreateBody, OTHER_GROUP, request, SANDBOX_GROUP, useSandbox } from './support/sandbox-http';

let sandbox: FivetranSandbox;
useSandbox((started) => (sandbox = started));

describe('POST /v1/connections', () => {
  it('creates a GitLab connection and answers 201 with a full, contract-valid gitlab_ConnectorResponseV1', async () => {
    // Given a valid GitLab body without sync_frequency
    const { sync_frequency: _omitted, ...body } = gitlabCreateBody('gitlab_team_a');

    // When it is posted
    const response = await createConnection(sandbox, body);

    // Then the envelope is valid and Fivetran's defaults are filled in
    expect(response.status).toBe(201);
    expect(validateCreateResponse(response.body)).toEqual({ valid: true });
    expect(response.body).toMatchObject({ code: 'Success', message: 'Connection has been created' });
    expect(response.body.data).toMatchObject({
      group_id: SANDBOX_GROUP,
      service: 'gitlab',
      schema: 'gitlab_team_a',
      paused: false,
      sync_frequency: 360,
      status: { setup_state: 'connected', sync_state: 'scheduled' },
      setup_tests: [{ status: 'PASSED' }, { status: 'PASSED' }],
      config: { schema: 'gitlab_team_a', auth: 'personal_access_token', personal_access_token: '******' },
    });
    expect(sandbox.connections().map((connection) => connection.id)).toEqual([response.body.data.id]);
  });

  it('never sends back a received secret value, on any route', async () => {
    // Given a create carrying secrets in config and in auth
    const secrets = ['glpat-very-secret-123', 'client-cert-pem-456', 'oauth-access-789', 'oauth-refresh-abc', 'client-secret-def'];
    const body = gitlabCreateBody('gitlab_secrets', {
      config: {
        schema: 'gitlab_secrets',
        auth: 'oauth_2',
        personal_access_token: secrets[0],
        client_certificate: secrets[1],
      },
      auth: { access_token: secrets[2], refresh_token: secrets[3], client_access: { client_id: 'id', client_secret: secrets[4] } },
    });

    // When it is created, read back and listed
    const created = await createConnection(sandbox, body);
    const texts = [
      created.text,
      (await request(sandbox, 'GET', `/v1/connections/${created.body.data.id}`)).text,
      (await request(sandbox, 'GET', '/v1/connections')).text,
      (await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections`)).text,
    ];

    // Then no response text contains any of them, while the masked fields are still reported
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(created.body.data.config).toMatchObject({ personal_access_token: '******', client_certificate: '******' });
    expect(sandbox.calls.every((call) => !JSON.stringify(call.headers).includes('sandbox-secret'))).toBe(true);
  });

  it('reports failed setup tests and an incomplete setup when the token is invalid', async () => {
    const body = gitlabCreateBody('gitlab_bad_token', {
      config: { schema: 'gitlab_bad_token', auth: 'personal_access_token', personal_access_token: 'glpat-invalid-xyz' },
    });

    const response = await createConnection(sandbox, body);

    expect(response.status).toBe(201);
    expect(validateCreateResponse(response.body)).toEqual({ valid: true });
    expect(response.body.data.status.setup_state).toBe('incomplete');
    expect(response.body.data.setup_tests).toContainEqual(expect.objectContaining({ status: 'FAILED', message: 'Invalid credentials' }));
  });

  it('skips setup tests when run_setup_tests is false', async () => {
    const response = await createConnection(sandbox, gitlabCreateBody('gitlab_untested', { run_setup_tests: false }));

    expect(response.status).toBe(201);
    expect(response.body.data.setup_tests).toBeUndefined();
    expect(response.body.data.status.setup_state).toBe('incomplete');
  });

  it('issues a connect card whose URI carries the redirect_uri when connect_card_config is sent', async () => {
    const body = gitlabCreateBody('gitlab_card', {
      run_setup_tests: false,
      config: { schema: 'gitlab_card' },
      connect_card_config: { redirect_uri: 'https://portal.example/done?x=1', hide_setup_guide: true },
    });

    const response = await createConnection(sandbox, body);

    expect(response.status).toBe(201);
    expect(validateCreateResponse(response.body)).toEqual({ valid: true });
    const card = response.body.data.connect_card;
    expect(card.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(new URL(card.uri).searchParams.get('redirect_uri')).toBe('https://portal.example/done?x=1');
    expect(new URL(card.uri).searchParams.get('auth')).toBe(card.token);
    expect(response.body.data.status.setup_state).toBe('incomplete');
  });

  it('answers 409 Conflict for a second connection with the same schema in a group, but not in another group', async () => {
    await createConnection(sandbox, gitlabCreateBody('gitlab_dup'));

    const duplicate = await createConnection(sandbox, gitlabCreateBody('gitlab_dup'));
    const elsewhere = await createConnection(sandbox, gitlabCreateBody('gitlab_dup', { group_id: OTHER_GROUP }));

    expectError(duplicate, 409, 'Conflict');
    expect(duplicate.body.message).toContain('gitlab_dup');
    expect(elsewhere.status).toBe(201);
  });

  it('answers 404 NotFound_Group for an unknown group', async () => {
    const response = await createConnection(sandbox, gitlabCreateBody('gitlab_x', { group_id: 'no_such_group' }));

    expectError(response, 404, 'NotFound_Group');
    expect(sandbox.connections()).toEqual([]);
  });

  // Fivetran's messages are terse and name one field (local/fivetran-sandbox/errors.ts).
  it.each([
    ['sync_frequency 7', { sync_frequency: 7 }, "Invalid 'sync_frequency' value"],
    ['sync_frequency as a string', { sync_frequency: '360' }, "Invalid 'sync_frequency' value"],
    ['config.auth "basic"', { config: { schema: 'gitlab_x', auth: 'basic' } }, "Invalid 'config' object"],
    ['config without schema', { config: { auth: 'oauth_2' } }, "Field 'schema' is required"],
    ['no config at all', { config: undefined }, "Field 'schema' is required"],
    ['a schema name with capitals', { config: { schema: 'GitLab' } }, "Invalid 'schema' value"],
    ['another service', { service: 'github' }, "Field 'service'"],
  ])('answers 400 InvalidInput with a terse message naming the field for %s', async (_case, overrides, message) => {
    const response = await createConnection(sandbox, gitlabCreateBody('gitlab_x', overrides));

    expectError(response, 400, 'InvalidInput');
    expect(response.body.message).toContain(message);
    expect(sandbox.connections()).toEqual([]);
  });

  it('answers 400 InvalidInput for a body that is not JSON', async () => {
    const response = await request(sandbox, 'POST', '/v1/connections', { rawBody: '{"group_id":' });

    expectError(response, 400, 'InvalidInput');
  });

  it('answers 415 when the Content-Type is not application/json', async () => {
    const response = await request(sandbox, 'POST', '/v1/connections', {
      rawBody: JSON.stringify(gitlabCreateBody('gitlab_x')),
      contentType: 'text/plain',
    });

    expect(response.status).toBe(415);
    expect(validateErrorResponse(response.body)).toEqual({ valid: true });
  });
});

describe('HTTP Basic auth', () => {
  it.each([
    ['POST', '/v1/connections'],
    ['GET', '/v1/connections'],
    ['GET', '/v1/connections/some_id'],
    ['DELETE', '/v1/connections/some_id'],
    ['GET', `/v1/groups/${SANDBOX_GROUP}/connections`],
  ])('answers 401 AuthFailed on %s %s without or with wrong credentials', async (method, path) => {
    const body = method === 'POST' ? gitlabCreateBody('gitlab_x') : undefined;
    const wrong = `Basic ${Buffer.from('sandbox-key:wrong').toString('base64')}`;

    const missing = await request(sandbox, method, path, { body, authorization: null });
    const invalid = await request(sandbox, method, path, { body, authorization: wrong });

    expectError(missing, 401, 'AuthFailed');
    expectError(invalid, 401, 'AuthFailed');
    expect(sandbox.calls.map((call) => call.headers.authorization)).toEqual([undefined, 'invalid']);
    expect(sandbox.connections()).toEqual([]);
  });
});

describe('GET /v1/connections/{id} and DELETE', () => {
  it('returns the stored connection, valid against the contract, and 404 NotFound_Connection once deleted', async () => {
    const created = await createConnection(sandbox, gitlabCreateBody('gitlab_read'));
    const id: string = created.body.data.id;

    const found = await request(sandbox, 'GET', `/v1/connections/${id}`);
    const deleted = await request(sandbox, 'DELETE', `/v1/connections/${id}`);
    const gone = await request(sandbox, 'GET', `/v1/connections/${id}`);
    const deletedAgain = await request(sandbox, 'DELETE', `/v1/connections/${id}`);

    expect(found.status).toBe(200);
    expect(validateGetResponse(found.body)).toEqual({ valid: true });
    expect(found.body.data).toMatchObject({ id, schema: 'gitlab_read', group_id: SANDBOX_GROUP });
    expect(deleted.status).toBe(200);
    expect(validateDeleteResponse(deleted.body)).toEqual({ valid: true });
    expectError(gone, 404, 'NotFound_Connection');
    expectError(deletedAgain, 404, 'NotFound_Connection');
  });

  it('frees the schema name once its connection is deleted', async () => {
    const first = await createConnection(sandbox, gitlabCreateBody('gitlab_reuse'));
    await request(sandbox, 'DELETE', `/v1/connections/${first.body.data.id}`);

    const second = await createConnection(sandbox, gitlabCreateBody('gitlab_reuse'));

    expect(second.status).toBe(201);
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 NotFound for an unknown path', async () => {
    expectError(await request(sandbox, 'GET', '/v1/destinations'), 404, 'NotFound');
  });

  it('answers 405 with an Allow header for a method a route does not support', async () => {
    const response = await request(sandbox, 'PUT', '/v1/connections', { body: {} });

    expect(response.status).toBe(405);
    expect(validateErrorResponse(response.body)).toEqual({ valid: true });
    expect(response.headers.get('allow')).toBe('GET, POST');
  });
});
