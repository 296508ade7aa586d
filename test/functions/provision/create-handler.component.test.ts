import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCreateRequest } from '../../../local/fivetran-sandbox/contract';
import {
  API_KEY_SECRET_ID,
  CREDENTIALS_PREFIX,
  FAKE_API_KEY,
  FAKE_MTLS,
  FAKE_OAUTH,
  FAKE_PAT,
  GROUP_CREDENTIALS,
  patRequest,
  SECRET_MARKER,
} from '../../../local/world/fixtures';
import { connectionProvisionedDetailSchema, connectionProvisioningFailedDetailSchema } from '../../../shared/contracts/events';
import { type Harness, QUEUE_URL, startHarness } from '../../support/handler-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.setSecret(`${GROUP_CREDENTIALS}team-a`, FAKE_PAT);
});
afterEach(async () => {
  await h.close();
});

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

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
    record.messageAttributes.requestSchemaVersion = { dataType: 'String', stringValue: '2' };
    const current = h.record(patRequest({ schema: 'gitlab_v1' }));
    current.messageAttributes.requestSchemaVersion = { dataType: 'String', stringValue: '1' };
    const response = await h.invoke([record, current]);
    expect(failedIds(response)).toEqual([]);
    const failure = h.events().find((e) => e.detailType === 'Connection Provisioning Failed')!;
    expect(failure.detail).toMatchObject({ requestId: 'req-gitlab_team_a', errorCode: 'INVALID_REQUEST' });
    expect(failure.detail.message).toMatch(/request schema version "2" is not supported; this worker reads version 1/);
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

describe('provisioning handler: transient faults are retried and never lost', () => {
  it('retries a 503 and succeeds on the third attempt, with jittered backoff', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503, times: 2 });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    // lookups after each ambiguous 5xx keep a lost success from becoming a duplicate
    expect(h.fivetranCalls().map((call) => call.method)).toEqual(['GET', 'POST', 'GET', 'POST', 'GET', 'POST']);
    expect(h.sleeps).toEqual([150, 300]);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'created', attempts: 3 });
  });

  it('does not create a duplicate when a create succeeded but answered 500', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'created-then-500' });
    await h.invoke([h.record(patRequest())]);
    expect(h.sandbox.connections()).toHaveLength(1);
    expect(h.fivetranCalls('POST')).toHaveLength(1);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'already_exists', attempts: 2 });
  });

  it('does not create a duplicate when the connection dropped after the create was applied', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'created-then-drop' });
    await h.invoke([h.record(patRequest())]);
    expect(h.sandbox.connections()).toHaveLength(1);
    expect(h.events()[0]!.detail.outcome).toBe('already_exists');
  });

  it('honours a short Retry-After by waiting at least that long', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 2 });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    expect(h.sleeps).toEqual([2_000]);
    // a 429 is a clear "not done": no lookup is needed before trying again
    expect(h.fivetranCalls().map((call) => call.method)).toEqual(['GET', 'POST', 'POST']);
  });

  it('hands a record back with its visibility set to a long Retry-After instead of sleeping', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 3600 });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.sleeps).toEqual([]);
    const change = h.sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input;
    expect(change).toEqual({ QueueUrl: QUEUE_URL, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 3600 });
    expect(h.events()).toEqual([]);
  });

  it('caps the visibility change at SQS’s 12 hours', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 100_000 });
    await h.invoke([h.record(patRequest())]);
    expect(h.sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input.VisibilityTimeout).toBe(43_200);
  });

  it('stops retrying before the Lambda deadline minus the safety margin', async () => {
    // given 7 s left, of which 5 s are kept back, and a Fivetran that keeps failing
    h.setRemainingMs(7_000);
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503, times: Infinity });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    // then the record goes back to the queue, and no wait ran past the 2 s budget
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(1_000);
    expect(h.fivetranCalls('POST').length).toBeLessThan(h.config.maxAttemptsPerDelivery);
  });

  it('stops after the bounded number of attempts per delivery', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 502, times: Infinity });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.fivetranCalls('POST')).toHaveLength(h.config.maxAttemptsPerDelivery);
    expect(h.events()).toEqual([]);
  });

  it('treats a refused API key (401) as our own fault: retried, never published as the request’s failure', async () => {
    h.sandbox.injectFault({ kind: 'status', status: 401, times: Infinity });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
  });

  it('publishes RETRIES_EXHAUSTED on the last delivery, then lets the record go to the dead-letter queue', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503, times: Infinity });
    const record = h.record(patRequest(), h.config.maxReceiveCount);
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    const detail = connectionProvisioningFailedDetailSchema.parse(h.events()[0]!.detail);
    expect(detail).toMatchObject({ errorCode: 'RETRIES_EXHAUSTED', retryable: true, fivetran: { status: 503 } });
    expect(detail.message).toMatch(/Gave up after 3 deliveries; the last fault was FIVETRAN_UNAVAILABLE/);
  });

  it('keeps records waiting when the API key secret is missing, but still settles invalid ones', async () => {
    h.setSecret(API_KEY_SECRET_ID, undefined);
    const valid = h.record(patRequest());
    const invalid = h.record('{');
    const response = await h.invoke([valid, invalid]);
    expect(failedIds(response)).toEqual([valid.messageId]);
    expect(h.events().map((e) => e.detail.errorCode)).toEqual(['INVALID_REQUEST']);
    expect(h.fivetranCalls()).toEqual([]);
  });

  it('publishes RETRIES_EXHAUSTED when the API key secret is malformed on the last delivery', async () => {
    h.setSecret(API_KEY_SECRET_ID, { apiKey: 'only-half' });
    const record = h.record(patRequest(), 3);
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()[0]!.detail.message).toMatch(/API_KEY_UNAVAILABLE: The Fivetran API key secret fivetran\/api-key must hold JSON/);
  });

  it('retries a throttled credentials read rather than failing the request', async () => {
    h.secretsManager
      .on(GetSecretValueCommand, { SecretId: `${GROUP_CREDENTIALS}team-a` })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
  });
});

describe('provisioning handler: publishing', () => {
  it('re-sends only the events EventBridge failed to take, and succeeds', async () => {
    h.eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    expect(h.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('hands the record back when its outcome event cannot be published', async () => {
    h.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException' }] });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    // the connection exists; the next delivery will find it and publish already_exists
    expect(h.sandbox.connections()).toHaveLength(1);
  });
});

describe('provisioning handler: concurrency and caching', () => {
  it('runs distinct schemas concurrently and the same schema one after another', async () => {
    h.sandbox.setCreateLatency(50);
    const records = [
      h.record(patRequest({ schema: 'gitlab_a' })),
      h.record(patRequest({ schema: 'gitlab_b' })),
      h.record(patRequest({ schema: 'gitlab_c' })),
      h.record(patRequest({ schema: 'gitlab_same', requestId: 'first' })),
      h.record(patRequest({ schema: 'gitlab_same', requestId: 'second' })),
    ];
    const response = await h.invoke(records);
    expect(failedIds(response)).toEqual([]);
    expect(h.maxConcurrentFivetranCalls).toBeGreaterThan(1);
    // the same schema: exactly one create, and the second request saw the first's connection
    const same = h.events().filter((e) => e.detail.schema === 'gitlab_same');
    expect(same.map((e) => [e.detail.requestId, e.detail.outcome])).toEqual([
      ['first', 'created'],
      ['second', 'already_exists'],
    ]);
    expect(h.fivetranCalls('POST').filter((call) => (call.body as any).config.schema === 'gitlab_same')).toHaveLength(1);
  });

  it('lists a group once for a batch of several records in it, instead of one lookup each', async () => {
    const records = Array.from({ length: 4 }, (_, i) => h.record(patRequest({ schema: `gitlab_${i}` })));
    const response = await h.invoke(records);
    expect(failedIds(response)).toEqual([]);
    const gets = h.fivetranCalls('GET');
    expect(gets).toHaveLength(1);
    expect(gets[0]!.query).toEqual({ limit: '1000' });
    expect(h.fivetranCalls('POST')).toHaveLength(4);
  });

  it('reads each credentials secret once per container however many records name it', async () => {
    const records = Array.from({ length: 10 }, (_, i) => h.record(patRequest({ schema: `gitlab_${i}` })));
    await h.invoke(records.slice(0, 5));
    await h.invoke(records.slice(5));
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads.filter((id) => id === `${GROUP_CREDENTIALS}team-a`)).toHaveLength(1);
    expect(reads.filter((id) => id === API_KEY_SECRET_ID)).toHaveLength(1);
  });
});

describe('provisioning handler: secret rotation', () => {
  it('reads the API key and the credentials again once the cache period is over', async () => {
    // given a warm container that has read both secrets
    await h.invoke([h.record(patRequest({ schema: 'gitlab_1' }))]);
    // when the cache period passes and the API key was rotated meanwhile
    h.advanceClock(h.config.secretsCacheTtlSeconds * 1000);
    await h.invoke([h.record(patRequest({ schema: 'gitlab_2' }))]);
    // then each secret was read twice, and both connections exist
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads.filter((id) => id === API_KEY_SECRET_ID)).toHaveLength(2);
    expect(reads.filter((id) => id === `${GROUP_CREDENTIALS}team-a`)).toHaveLength(2);
    expect(h.sandbox.connections()).toHaveLength(2);
  });

  it('reads the API key again on the next invocation after Fivetran refused it', async () => {
    // given a key Fivetran refuses, as while an operator rotates it
    h.sandbox.injectFault({ kind: 'status', status: 401, times: h.config.maxAttemptsPerDelivery });
    const record = h.record(patRequest());
    expect(failedIds(await h.invoke([record]))).toEqual([record.messageId]);
    // when the record comes back, well within the cache period
    expect(failedIds(await h.invoke([h.record(patRequest())]))).toEqual([]);
    // then the key was read a second time, and the connection created
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads.filter((id) => id === API_KEY_SECRET_ID)).toHaveLength(2);
    expect(h.sandbox.connections()).toHaveLength(1);
  });

  it('reads a missing API key again on the next invocation, without waiting for the cache period', async () => {
    h.setSecret(API_KEY_SECRET_ID, undefined);
    const first = h.record(patRequest());
    expect(failedIds(await h.invoke([first]))).toEqual([first.messageId]);
    h.setSecret(API_KEY_SECRET_ID, FAKE_API_KEY);
    expect(failedIds(await h.invoke([h.record(patRequest())]))).toEqual([]);
    expect(h.sandbox.connections()).toHaveLength(1);
  });
});

describe('provisioning handler: logs', () => {
  it('marks only the first invocation of a container as a cold start, on the lines of its records too', async () => {
    await h.invoke([h.record(patRequest({ schema: 'gitlab_first' }))]);
    const firstLines = h.logLines.length;
    await h.invoke([h.record(patRequest({ schema: 'gitlab_second' }))]);
    const recordLines = (from: number, to?: number) =>
      h.logLines
        .slice(from, to)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => typeof line.sqsMessageId === 'string');
    expect(recordLines(0, firstLines).map((line) => line.cold_start)).toContain(true);
    expect(recordLines(firstLines).length).toBeGreaterThan(0);
    expect(recordLines(firstLines).every((line) => line.cold_start === false)).toBe(true);
  });

  it('writes structured JSON with the request id and message id on every line of a record, and no secret anywhere', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503 });
    h.setSecret(`${GROUP_CREDENTIALS}mtls`, FAKE_MTLS);
    const mtls = patRequest({ schema: 'gitlab_mtls', credentialsSecretId: `${GROUP_CREDENTIALS}mtls` });
    mtls.connection.config.enable_mtls_connection = 'true';
    const records = [h.record(patRequest()), h.record(mtls), h.record('nope')];
    await h.invoke(records);
    const lines = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const recordLines = lines.filter((line) => typeof line.sqsMessageId === 'string');
    expect(recordLines.length).toBeGreaterThanOrEqual(records.length);
    for (const line of recordLines) {
      expect(line).toHaveProperty('level');
      expect(line).toHaveProperty('timestamp');
      const record = records.find((r) => r.messageId === line.sqsMessageId)!;
      const expectedRequestId = record.body === 'nope' ? undefined : JSON.parse(record.body).requestId;
      expect(line.requestId).toBe(expectedRequestId);
    }
    const everything = [...h.logLines, ...h.events().map((e) => JSON.stringify(e))].join('\n');
    expect(everything).not.toContain(SECRET_MARKER);
  });
});
