import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  validateCreateResponse,
  validateDeleteResponse,
  validateErrorResponse,
  validateGetResponse,
  validateGroupListResponse,
  validateListResponse,
} from '../../../local/fivetran-sandbox/contract';
import { type FivetranSandbox, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, gitlabCreateBody, type ReceivedResponse, request, SANDBOX_GROUP } from './support/sandbox-http';

const OTHER_GROUP = 'other_group';
let sandbox: FivetranSandbox;

beforeAll(async () => {
  sandbox = await startFivetranSandbox({ groups: [SANDBOX_GROUP, OTHER_GROUP], seed: 42 });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());
afterEach(() => expect(sandbox.contractViolations).toEqual([]));

function expectError(response: ReceivedResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(validateErrorResponse(response.body)).toEqual({ valid: true });
  expect(response.body.code).toBe(code);
}

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

describe('listing connections', () => {
  async function createMany(schemas: readonly string[], groupId = SANDBOX_GROUP): Promise<string[]> {
    const ids: string[] = [];
    for (const schema of schemas) ids.push((await createConnection(sandbox, gitlabCreateBody(schema, { group_id: groupId }))).body.data.id);
    return ids;
  }

  async function collectPages(path: string, validate: (body: unknown) => unknown): Promise<{ ids: string[]; pageSizes: number[] }> {
    const ids: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await request(sandbox, 'GET', `${path}${separator}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(validate(page.body)).toEqual({ valid: true });
      pageSizes.push(page.body.data.items.length);
      ids.push(...page.body.data.items.map((item: { id: string }) => item.id));
      cursor = page.body.data.next_cursor;
    } while (cursor !== undefined);
    return { ids, pageSizes };
  }

  it('pages through GET /v1/connections?group_id= with limit=2, next_cursor only while more remain', async () => {
    const ids = await createMany(['gl_a', 'gl_b', 'gl_c', 'gl_d', 'gl_e']);
    await createMany(['gl_other'], OTHER_GROUP);

    const result = await collectPages(`/v1/connections?group_id=${SANDBOX_GROUP}`, validateListResponse);

    expect(result.pageSizes).toEqual([2, 2, 1]);
    expect(result.ids).toEqual(ids);
  });

  it('pages through GET /v1/groups/{groupId}/connections the same way', async () => {
    const ids = await createMany(['gl_a', 'gl_b', 'gl_c', 'gl_d']);

    const result = await collectPages(`/v1/groups/${SANDBOX_GROUP}/connections`, validateGroupListResponse);

    expect(result.pageSizes).toEqual([2, 2]);
    expect(result.ids).toEqual(ids);
  });

  it('filters on the exact schema name on both list routes', async () => {
    const [, wanted] = await createMany(['gitlab_team', 'gitlab_team_b', 'gitlab_tea']);

    const account = await request(sandbox, 'GET', `/v1/connections?group_id=${SANDBOX_GROUP}&schema=gitlab_team_b`);
    const group = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab_team_b`);
    const none = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab`);

    expect(account.body.data.items.map((item: { id: string }) => item.id)).toEqual([wanted]);
    expect(group.body.data.items.map((item: { id: string }) => item.id)).toEqual([wanted]);
    expect(none.body.data).toEqual({ items: [] });
  });

  it('answers 404 NotFound_Group for the connections of an unknown group', async () => {
    expectError(await request(sandbox, 'GET', '/v1/groups/no_such_group/connections'), 404, 'NotFound_Group');
  });

  it.each(['0', '1001', 'ten', '2.5'])('answers 400 InvalidInput for limit=%s', async (limit) => {
    expectError(await request(sandbox, 'GET', `/v1/connections?limit=${limit}`), 400, 'InvalidInput');
  });

  it('answers 400 InvalidInput for a cursor it did not issue', async () => {
    expectError(await request(sandbox, 'GET', '/v1/connections?cursor=not-a-cursor'), 400, 'InvalidInput');
  });
});

describe('seedConnection', () => {
  it('stores a connection of another service that the list routes report and that occupies its schema', async () => {
    // Given a GitHub connection that already uses the schema
    const seeded = sandbox.seedConnection({ groupId: SANDBOX_GROUP, schema: 'gitlab_team_a', service: 'github' });

    // When the client looks it up and then tries to create a GitLab connection with that schema
    const lookup = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab_team_a`);
    const create = await createConnection(sandbox, gitlabCreateBody('gitlab_team_a'));

    // Then the lookup shows the other service and the create meets 409
    expect(validateGroupListResponse(lookup.body)).toEqual({ valid: true });
    expect(lookup.body.data.items).toEqual([expect.objectContaining({ id: seeded.id, service: 'github' })]);
    expectError(create, 409, 'Conflict');
  });

  it('refuses a seed in an unknown group or on a taken schema', () => {
    sandbox.seedConnection({ groupId: SANDBOX_GROUP, schema: 'gitlab_taken' });

    expect(() => sandbox.seedConnection({ groupId: 'no_such_group', schema: 'x' })).toThrow(/unknown group/);
    expect(() => sandbox.seedConnection({ groupId: SANDBOX_GROUP, schema: 'gitlab_taken' })).toThrow(/already taken/);
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
