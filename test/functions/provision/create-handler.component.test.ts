import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCreateRequest } from '../../../local/fivetran-sandbox/contract';
import {
  API_KEY_SECRET_ID,
  CREDENTIALS_PREFIX,
  FAKE_MTLS,
  FAKE_OAUTH,
  FAKE_PAT,
  GROUP_CREDENTIALS,
  patRequest,
  SECRET_MARKER,
} from '../../../local/world/fixtures';
import { connectionProvisionedDetailSchema, connectionProvisioningFailedDetailSchema } from '../../../shared/contracts/events';
import { failedIds, type Harness, startPatHarness } from '../../support/handler-harness';

/** What the handler publishes for each request: its outcomes, and the request faults that are never retried. */
let h: Harness;
beforeEach(async () => (h = await startPatHarness()));
afterEach(() => h.close());

describe('provisioning handler: happy paths', () => {
  it('creates the connection with the token merged in and publishes Connection Provisioned', async () => {
    // given a valid personal-access-token request
    const record = h.record(patRequest());
    // when the handler runs
    const response = await h.invoke([record]);
    // then nothing goes back to the queue
    expect(failedIds(response)).toEqual([]);
    // and Fivetran received one lookup, then one create whose body holds the token and follows the OpenAPI contract
    expect(h.fivetranCalls().map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /v1/groups/sandbox_group/connections',
      'POST /v1/connections',
    ]);
    const create = h.fivetranCalls('POST')[0]!;
    expect(create.headers.authorization).toBe('valid');
    expect(create.headers.accept).toBe('application/json;version=2');
    expect(create.headers['content-type']).toBe('application/json');
    expect((create.body as any).config.personal_access_token).toBe(FAKE_PAT.personal_access_token);
    expect(validateCreateRequest(create.body)).toEqual({ valid: true });
    // and one event announces it
    const [event] = h.events();
    expect(event).toMatchObject({ source: 'fivetran.provisioner', busName: 'provisioner-bus', detailType: 'Connection Provisioned' });
    const stored = h.sandbox.connections()[0]!;
    expect(connectionProvisionedDetailSchema.parse(event!.detail)).toEqual({
      requestId: 'req-gitlab_team_a',
      outcome: 'created',
      connectionId: stored.id,
      groupId: 'sandbox_group',
      service: 'gitlab',
      schema: 'gitlab_team_a',
      setupState: 'connected',
      setupTests: stored.data.setup_tests,
      attempts: 1,
      sqsMessageId: record.messageId,
      context: { correlationId: 'corr-gitlab_team_a', requestedBy: 'unit-test' },
    });
    expect(h.sandbox.contractViolations).toEqual([]);
  });

  it('creates mTLS and OAuth connections with their credentials where Fivetran expects them', async () => {
    h.setSecret(`${GROUP_CREDENTIALS}mtls`, FAKE_MTLS);
    h.setSecret(`${GROUP_CREDENTIALS}oauth`, FAKE_OAUTH);
    const mtls = patRequest({ schema: 'gitlab_mtls', credentialsSecretId: `${GROUP_CREDENTIALS}mtls` });
    mtls.connection.config.enable_mtls_connection = 'true';
    const oauth = patRequest({ schema: 'gitlab_oauth', credentialsSecretId: `${GROUP_CREDENTIALS}oauth` });
    oauth.connection.config = { schema: 'gitlab_oauth', auth: 'oauth_2' };
    const response = await h.invoke([h.record(mtls), h.record(oauth)]);
    expect(failedIds(response)).toEqual([]);
    const bodies = h.fivetranCalls('POST').map((call) => call.body as any);
    const mtlsBody = bodies.find((body) => body.config.schema === 'gitlab_mtls');
    const oauthBody = bodies.find((body) => body.config.schema === 'gitlab_oauth');
    expect(mtlsBody.config).toMatchObject(FAKE_MTLS);
    expect(oauthBody.auth).toEqual({
      access_token: FAKE_OAUTH.access_token,
      refresh_token: FAKE_OAUTH.refresh_token,
      client_access: { client_id: FAKE_OAUTH.client_id, client_secret: FAKE_OAUTH.client_secret },
    });
    for (const body of bodies) expect(validateCreateRequest(body)).toEqual({ valid: true });
    expect(h.events().map((e) => e.detail.outcome)).toEqual(['created', 'created']);
  });

  it('returns the connect card URI for a connect-card request without reading any credentials secret', async () => {
    const request = patRequest({ schema: 'gitlab_card' });
    delete request.credentialsSecretId;
    request.connection.run_setup_tests = false;
    request.connection.connect_card_config = { redirect_uri: 'https://example.com/done' };
    const response = await h.invoke([h.record(request)]);
    expect(failedIds(response)).toEqual([]);
    const [event] = h.events();
    expect(event!.detail.connectCardUri).toBe(h.sandbox.connections()[0]!.data.connect_card!.uri);
    expect(event!.detail.setupState).toBe('incomplete');
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads).toEqual([API_KEY_SECRET_ID]);
  });

  it('answers already_exists, without a second create, when the schema exists as a GitLab connection', async () => {
    await h.invoke([h.record(patRequest())]);
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    expect(h.fivetranCalls('POST')).toHaveLength(1);
    expect(h.sandbox.connections()).toHaveLength(1);
    expect(h.events().map((e) => e.detail.outcome)).toEqual(['created', 'already_exists']);
    expect(h.events()[1]!.detail.connectionId).toBe(h.sandbox.connections()[0]!.id);
  });
});

describe('provisioning handler: request faults are published and never retried', () => {
  const failureOf = (index = 0) => connectionProvisioningFailedDetailSchema.parse(h.events()[index]!.detail);

  it('INVALID_REQUEST: publishes the failure, acknowledges the record, calls nobody', async () => {
    const bad = patRequest();
    (bad.connection as any).sync_frequency = 7;
    const record = h.record(bad);
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([]);
    expect(h.fivetranCalls()).toEqual([]);
    expect(failureOf()).toMatchObject({
      requestId: 'req-gitlab_team_a',
      groupId: 'sandbox_group',
      schema: 'gitlab_team_a',
      errorCode: 'INVALID_REQUEST',
      retryable: false,
      attempts: 0,
      sqsMessageId: record.messageId,
    });
    expect(failureOf().message).toMatch(/connection.sync_frequency: must be one of/);
  });

  it('INVALID_REQUEST for a request schema version the worker does not read', async () => {
    const record = h.record(patRequest());
    record.messageAttributes.requestSchemaVersion = { dataType: 'String', stringValue: '3' };
    const current = h.record(patRequest({ schema: 'gitlab_v1' }));
    current.messageAttributes.requestSchemaVersion = { dataType: 'String', stringValue: '1' };
    const response = await h.invoke([record, current]);
    expect(failedIds(response)).toEqual([]);
    const failure = h.events().find((e) => e.detailType === 'Connection Provisioning Failed')!;
    expect(failure.detail).toMatchObject({ requestId: 'req-gitlab_team_a', errorCode: 'INVALID_REQUEST' });
    expect(failure.detail.message).toMatch(/request schema version "3" is not supported; this worker reads versions 1 and 2/);
    expect(h.sandbox.connections().map((c) => c.schema)).toEqual(['gitlab_v1']);
  });

  it('INVALID_REQUEST with a null request id when the body is not JSON', async () => {
    const response = await h.invoke([h.record('{oops')]);
    expect(failedIds(response)).toEqual([]);
    expect(failureOf()).toMatchObject({ requestId: null, errorCode: 'INVALID_REQUEST' });
  });

  it('CREDENTIALS_NOT_ALLOWED: refuses a reference outside the prefix without calling Secrets Manager for it', async () => {
    const response = await h.invoke([h.record(patRequest({ credentialsSecretId: 'prod/database/password' }))]);
    expect(failedIds(response)).toEqual([]);
    expect(failureOf().errorCode).toBe('CREDENTIALS_NOT_ALLOWED');
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads).not.toContain('prod/database/password');
  });

  it('CREDENTIALS_NOT_FOUND: the referenced secret does not exist', async () => {
    await h.invoke([h.record(patRequest({ credentialsSecretId: `${GROUP_CREDENTIALS}missing` }))]);
    expect(failureOf()).toMatchObject({ errorCode: 'CREDENTIALS_NOT_FOUND', retryable: false });
    expect(h.fivetranCalls()).toEqual([]);
  });

  it('CREDENTIALS_INVALID: the secret holds an unknown key, counted but never named, since it may be a pasted token', async () => {
    h.setSecret(`${GROUP_CREDENTIALS}team-a`, { ...FAKE_PAT, [`glpat-fake-${SECRET_MARKER}-pasted-as-a-key`]: 'value' });
    await h.invoke([h.record(patRequest())]);
    expect(failureOf()).toMatchObject({ errorCode: 'CREDENTIALS_INVALID' });
    expect(failureOf().message).toMatch(/is not valid: 1 unexpected key\(s\)\. Allowed keys: personal_access_token, /);
    expect([...h.logLines, JSON.stringify(h.events())].join('\n')).not.toContain(SECRET_MARKER);
  });

  it('GROUP_NOT_FOUND: Fivetran does not know the group', async () => {
    h.setSecret(`${CREDENTIALS_PREFIX}no_such_group/team-a`, FAKE_PAT);
    await h.invoke([h.record(patRequest({ groupId: 'no_such_group' }))]);
    expect(failureOf()).toMatchObject({ errorCode: 'GROUP_NOT_FOUND', fivetran: { status: 404, code: 'NotFound_Group' } });
    expect(h.fivetranCalls('POST')).toEqual([]);
  });

  it('FIVETRAN_REJECTED: a 400 refusal, checked by a lookup, carries what Fivetran said', async () => {
    h.sandbox.injectFault({
      method: 'POST',
      kind: 'status',
      status: 400,
      body: { code: 'InvalidInput', message: 'Invalid custom_base_url' },
    });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    expect(h.fivetranCalls().map((call) => call.method)).toEqual(['GET', 'POST', 'GET']);
    expect(failureOf()).toMatchObject({
      errorCode: 'FIVETRAN_REJECTED',
      retryable: false,
      attempts: 1,
      fivetran: { status: 400, code: 'InvalidInput', message: 'Invalid custom_base_url' },
    });
  });

  it('SCHEMA_TAKEN: the schema belongs to a connection of another service', async () => {
    h.sandbox.seedConnection({ groupId: 'sandbox_group', schema: 'gitlab_team_a', service: 'github' });
    await h.invoke([h.record(patRequest())]);
    expect(failureOf()).toMatchObject({ errorCode: 'SCHEMA_TAKEN', retryable: false });
    expect(h.fivetranCalls('POST')).toEqual([]);
  });

  it('keeps the rest of the batch unaffected by a bad record', async () => {
    const response = await h.invoke([h.record('not json'), h.record(patRequest({ schema: 'gitlab_ok' }))]);
    expect(failedIds(response)).toEqual([]);
    expect(
      h
        .events()
        .map((e) => e.detailType)
        .sort(),
    ).toEqual(['Connection Provisioned', 'Connection Provisioning Failed']);
  });
});
