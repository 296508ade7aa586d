/**
 * The client's calls on one connection (read, update, setup tests, delete) against the sandbox,
 * which holds every body it receives and sends to Fivetran's OpenAPI definition.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateSetupTestsRequest, validateUpdateRequest } from '../../../local/fivetran-sandbox/contract';
import { startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import type { FivetranSandbox } from '../../../local/fivetran-sandbox/types';
import { createFivetranClient, type FivetranClient } from '../../../shared/fivetran/client';
import { FivetranFault } from '../../../shared/fivetran/fault';
import { type ConnectionOperation, classifyFivetranFault } from '../../../shared/fivetran/fault-classification';

const API_KEY = { apiKey: 'fake-key-lifecycle', apiSecret: 'fake-secret-lifecycle' };
const GROUP = 'group_lc';
const CALL = { timeoutMs: 2_000 };
const FIRST_TOKEN = 'fake-pat-first-000';
let sandbox: FivetranSandbox;
let client: FivetranClient;

beforeAll(async () => {
  sandbox = await startFivetranSandbox({ ...API_KEY, groups: [GROUP] });
  client = createFivetranClient({ baseUrl: sandbox.url, apiKey: API_KEY });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());
afterEach(() => expect(sandbox.contractViolations).toEqual([]));

async function created(schema = 'gitlab_client_lc'): Promise<string> {
  const connection = await client.createConnection(
    {
      group_id: GROUP,
      service: 'gitlab',
      config: { schema, auth: 'personal_access_token', base_url: 'gitlab.com', personal_access_token: FIRST_TOKEN },
    } as Parameters<FivetranClient['createConnection']>[0],
    CALL,
  );
  return connection.id;
}

function lastBody(method: string): unknown {
  return sandbox.calls.filter((call) => call.method === method).at(-1)?.body;
}

describe('Fivetran client: one connection', () => {
  it('getConnection parses the connection, its secret values masked', async () => {
    const id = await created();

    const connection = await client.getConnection(id, CALL);

    expect(connection).toMatchObject({ id, schema: 'gitlab_client_lc', config: { personal_access_token: '******' } });
  });

  it('updateConnection sends only the fields given, a body the definition accepts, and never the masked config it read', async () => {
    // Given a connection the caller has just read (its token comes back masked)
    const id = await created();
    await client.getConnection(id, CALL);

    // When only the pause flag is changed
    const updated = await client.updateConnection(id, { paused: true }, CALL);

    // Then exactly that was sent, the answer is parsed, and the stored token is untouched
    expect(lastBody('PATCH')).toEqual({ paused: true });
    expect(validateUpdateRequest(lastBody('PATCH'))).toEqual({ valid: true });
    expect(updated).toMatchObject({ id, paused: true });
    expect(sandbox.connections()[0]?.createRequest.config).toMatchObject({ personal_access_token: FIRST_TOKEN });
  });

  it('updateConnection with new credentials and run_setup_tests answers with the setup tests the new token earned', async () => {
    // Given a connection
    const id = await created();

    // When a revoked token is applied with tests
    const updated = await client.updateConnection(
      id,
      { config: { personal_access_token: 'fake-pat-revoked-1' }, run_setup_tests: true },
      CALL,
    );

    // Then the body was valid and the failed test is reported
    expect(validateUpdateRequest(lastBody('PATCH'))).toEqual({ valid: true });
    expect(updated.setup_tests).toContainEqual(expect.objectContaining({ title: 'Validating credentials', status: 'FAILED' }));
    expect(updated.status?.setup_state).toBe('broken');
  });

  it('runSetupTests sends {} (never no body) and parses the results of the stored credentials', async () => {
    const id = await created();

    const tested = await client.runSetupTests(id, {}, CALL);

    expect(lastBody('POST')).toEqual({});
    expect(validateSetupTestsRequest(lastBody('POST'))).toEqual({ valid: true });
    expect(tested.setup_tests?.map((test) => test.status)).toEqual(['PASSED', 'PASSED']);
  });

  it('deleteConnection deletes it, and a second delete is a 404 naming the connection', async () => {
    const id = await created();

    await client.deleteConnection(id, CALL);
    const again = await client.deleteConnection(id, CALL).catch((error: unknown) => error);

    expect(sandbox.connections()).toEqual([]);
    expect(again).toBeInstanceOf(FivetranFault);
    expect(again).toMatchObject({ status: 404, fivetranCode: 'NotFound_Connection' });
  });

  it.each<[ConnectionOperation, (id: string) => Promise<unknown>]>([
    ['read', (id) => client.getConnection(id, CALL)],
    ['update', (id) => client.updateConnection(id, { paused: false }, CALL)],
    ['setup-tests', (id) => client.runSetupTests(id, {}, CALL)],
    ['delete', (id) => client.deleteConnection(id, CALL)],
  ])('a 404 on an unknown connection is CONNECTION_NOT_FOUND for the %s operation', async (operation, call) => {
    // Given no connection with this id
    // When the operation is made
    const error = await call('gone_connection').catch((caught: unknown) => caught);

    // Then it is classified as the connection being gone, not as a transient fault
    expect(classifyFivetranFault(error, operation)).toMatchObject({ code: 'CONNECTION_NOT_FOUND' });
  });
});
