/**
 * What the worker does with each of Fivetran's answers, as the evidence has them
 * (local/fivetran-sandbox/errors.ts): the handler end to end, through the real HTTP
 * client, against the sandbox answering that way.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_KEY_SECRET_ID, patRequest } from '../../../local/world/fixtures';
import { connectionProvisionedDetailSchema, connectionProvisioningFailedDetailSchema } from '../../../shared/contracts/events';
import { failedIds, fivetranCallLines, type Harness, type HarnessOptions, startPatHarness } from '../../support/handler-harness';

let h: Harness;
afterEach(async () => {
  expect(h.sandbox.contractViolations).toEqual([]);
  await h.close();
});

// Each group the tests name has its own credentials.
const harness = async (options: HarnessOptions = {}): Promise<Harness> => {
  h = await startPatHarness(options, ['sandbox_group', 'no_such_group', 'other_group']);
  return h;
};

const logged = (harnessed: Harness) => harnessed.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('404: only NotFound_Group is about the request', () => {
  it('GROUP_NOT_FOUND for NotFound_Group: published, acknowledged, nothing created', async () => {
    await harness();

    const response = await h.invoke([h.record(patRequest({ groupId: 'no_such_group' }))]);

    expect(failedIds(response)).toEqual([]);
    expect(connectionProvisioningFailedDetailSchema.parse(h.events()[0]!.detail)).toMatchObject({
      errorCode: 'GROUP_NOT_FOUND',
      retryable: false,
      fivetran: { status: 404, code: 'NotFound_Group' },
    });
    expect(h.fivetranCalls('POST')).toEqual([]);
  });

  it.each([
    ['Fivetran\'s "NotFound" for a route it does not serve', undefined],
    ["a proxy's HTML page", '<html><body>404 Not Found</body></html>'],
  ])('hands the record back for %s, with an error log naming FIVETRAN_API_URL, and publishes nothing', async (_case, body) => {
    await harness();
    h.sandbox.injectFault({ kind: 'status', status: 404, times: Infinity, ...(body === undefined ? {} : { body }) });
    const record = h.record(patRequest());

    const response = await h.invoke([record]);

    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
    expect(h.fivetranCalls('POST')).toEqual([]);
    const errors = logged(h).filter((line) => line.level === 'ERROR');
    expect(errors).toEqual([
      expect.objectContaining({
        errorCode: 'FIVETRAN_ROUTE_NOT_FOUND',
        fivetranApiUrl: h.config.fivetranApiUrl,
        sqsMessageId: record.messageId,
      }),
    ]);
    expect(String(errors[0]!.message)).toContain('FIVETRAN_API_URL');
  });

  it('refuses the request for a 404 naming another resource (NotFound_ProxyAgent): FIVETRAN_REJECTED with the code', async () => {
    await harness();
    h.sandbox.injectFault({
      method: 'POST',
      path: '/v1/connections',
      kind: 'status',
      status: 404,
      body: { code: 'NotFound_ProxyAgent', message: "Proxy agent with id 'gone_agent' does not exist." },
    });

    const response = await h.invoke([h.record(patRequest())]);

    expect(failedIds(response)).toEqual([]);
    expect(connectionProvisioningFailedDetailSchema.parse(h.events()[0]!.detail)).toMatchObject({
      errorCode: 'FIVETRAN_REJECTED',
      retryable: false,
      fivetran: { status: 404, code: 'NotFound_ProxyAgent' },
    });
    expect(h.fivetranCalls('POST')).toHaveLength(1);
  });

  it('looks again and mints the card when the connection vanished before its Connect Card (NotFound_Connection)', async () => {
    await harness();
    const existing = h.sandbox.seedConnection({ groupId: 'sandbox_group', schema: 'gitlab_card' });
    h.sandbox.injectFault({
      method: 'POST',
      path: `/v1/connections/${existing.id}/connect-card`,
      kind: 'status',
      status: 404,
      body: { code: 'NotFound_Connection', message: `Connection with id '${existing.id}' does not exist.` },
    });

    const response = await h.invoke([h.record(connectCardRequest())]);

    expect(failedIds(response)).toEqual([]);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'already_exists', connectionId: existing.id, attempts: 2 });
    expect(h.fivetranCalls('POST').map((call) => `${call.path} ${call.status}`)).toEqual([
      `/v1/connections/${existing.id}/connect-card 404`,
      `/v1/connections/${existing.id}/connect-card 200`,
    ]);
  });
});

describe('5xx: every one is transient, and after a create it is ambiguous', () => {
  it.each([501, 505, 520, 522] as const)('after a create answered %i it looks before posting again, then creates', async (status) => {
    await harness();
    h.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status });

    const response = await h.invoke([h.record(patRequest())]);

    expect(failedIds(response)).toEqual([]);
    expect(fivetranCallLines(h)).toEqual([
      'GET /v1/groups/sandbox_group/connections 200',
      `POST /v1/connections ${status}`,
      'GET /v1/groups/sandbox_group/connections 200',
      'POST /v1/connections 201',
    ]);
    expect(h.events().map((event) => event.detail.outcome)).toEqual(['created']);
  });

  it('reports the connection a create made although it answered 502, as already_exists, never as refused', async () => {
    await harness();
    h.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'created-then-500' });

    await h.invoke([h.record(patRequest())]);

    expect(h.sandbox.connections()).toHaveLength(1);
    expect(h.events().map((event) => [event.detailType, event.detail.outcome])).toEqual([['Connection Provisioned', 'already_exists']]);
  });
});

describe('403 Forbidden: the key is valid, its role lacks a permission', () => {
  it("publishes PERMISSION_DENIED with Fivetran's message, does not retry, and keeps the API key", async () => {
    await harness({ sandbox: { forbiddenGroups: ['other_group'] } });
    const record = h.record(patRequest({ groupId: 'other_group' }));

    const response = await h.invoke([record]);
    await h.invoke([h.record(patRequest({ schema: 'gitlab_team_b' }))]);

    expect(failedIds(response)).toEqual([]);
    const failure = connectionProvisioningFailedDetailSchema.parse(h.events()[0]!.detail);
    expect(failure).toMatchObject({ errorCode: 'PERMISSION_DENIED', retryable: false, attempts: 1, groupId: 'other_group' });
    expect(failure.fivetran).toEqual({
      status: 403,
      code: 'Forbidden',
      message: expect.stringMatching(/^Access denied\. Required permission: /),
    });
    expect(failure.message).toContain('Access denied. Required permission:');
    expect(h.fivetranCalls().filter((call) => call.query.group_id === 'other_group' || call.path.includes('other_group'))).toHaveLength(1);
    // The next invocation works with the cached key: a 403 is not the key being refused.
    const apiKeyReads = h.secretsManager
      .commandCalls(GetSecretValueCommand)
      .filter((call) => call.args[0].input.SecretId === API_KEY_SECRET_ID);
    expect(apiKeyReads).toHaveLength(1);
    expect(h.events()[1]!.detail.outcome).toBe('created');
  });

  it('still treats 401 as the key refused: retried, never published', async () => {
    await harness();
    h.sandbox.injectFault({ kind: 'status', status: 401, times: Infinity });
    const record = h.record(patRequest());

    const response = await h.invoke([record]);

    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
  });
});

describe('a duplicate schema, refused either way', () => {
  it.each([409, 400] as const)(
    'turns a %i refusal into a lookup that finds the connection made meanwhile: already_exists',
    async (status) => {
      await harness({ sandbox: { duplicateSchemaStatus: status } });
      // Another container creates the schema while this create is on its way.
      h.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'latency', delayMs: 300 });
      const invocation = h.invoke([h.record(patRequest())]);
      await vi.waitFor(() => expect(h.sandbox.pendingRequests).toBe(1));
      const other = h.sandbox.seedConnection({ groupId: 'sandbox_group', schema: 'gitlab_team_a' });

      const response = await invocation;

      expect(failedIds(response)).toEqual([]);
      expect(fivetranCallLines(h)).toEqual([
        'GET /v1/groups/sandbox_group/connections 200',
        `POST /v1/connections ${status}`,
        'GET /v1/groups/sandbox_group/connections 200',
      ]);
      expect(h.events()[0]!.detail).toMatchObject({ outcome: 'already_exists', connectionId: other.id });
    },
  );
});

describe('Connect Cards', () => {
  it('creates a connect-card connection without setup tests when the request does not say', async () => {
    await harness();

    await h.invoke([h.record(connectCardRequest())]);

    expect((h.fivetranCalls('POST')[0]!.body as { run_setup_tests?: boolean }).run_setup_tests).toBe(false);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'created', setupTests: [] });
  });

  it('refuses run_setup_tests: true with connect_card_config as INVALID_REQUEST naming the field, calling nobody', async () => {
    await harness();
    const request = connectCardRequest();
    request.connection.run_setup_tests = true;

    await h.invoke([h.record(request)]);

    expect(h.fivetranCalls()).toEqual([]);
    const failure = connectionProvisioningFailedDetailSchema.parse(h.events()[0]!.detail);
    expect(failure.errorCode).toBe('INVALID_REQUEST');
    expect(failure.message).toContain('connection.run_setup_tests');
  });

  it('hands out a fresh card for a connection that already exists, so a retried request still gets one', async () => {
    await harness();
    await h.invoke([h.record(connectCardRequest())]);
    const first = h.events()[0]!.detail;

    await h.invoke([h.record(connectCardRequest())]);

    const again = connectionProvisionedDetailSchema.parse(h.events()[1]!.detail);
    expect(again).toMatchObject({ outcome: 'already_exists', connectionId: first.connectionId });
    expect(again.connectCardUri).toMatch(/^https:\/\/fivetran\.com\/connect-card\/setup\?/);
    expect(again.connectCardUri).not.toBe(first.connectCardUri);
    expect(new URL(again.connectCardUri!).searchParams.get('redirect_uri')).toBe('https://portal.example.com/done');
    const card = h.fivetranCalls('POST').at(-1)!;
    expect(card.path).toBe(`/v1/connections/${first.connectionId}/connect-card`);
    expect(card.body).toEqual({ connect_card_config: { redirect_uri: 'https://portal.example.com/done' } });
    expect(h.sandbox.connections()).toHaveLength(1);
  });
});

describe('what every call carries', () => {
  it('names the provisioner and its version in the User-Agent', async () => {
    await harness();

    await h.invoke([h.record(patRequest())]);

    for (const call of h.fivetranCalls()) expect(call.headers['user-agent']).toMatch(/^fivetran-provisioner\/\d+\.\d+\.\d+/);
  });
});

function connectCardRequest() {
  const request = patRequest({ schema: 'gitlab_card' });
  delete request.credentialsSecretId;
  delete request.connection.run_setup_tests;
  request.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/done' };
  return request;
}
