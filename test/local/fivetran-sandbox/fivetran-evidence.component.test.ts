/**
 * The sandbox answers as the evidence in local/fivetran-sandbox/errors.ts says Fivetran does:
 * permissions, duplicate schemas both ways, the account's rate limits, the 60 s request limit
 * and the Connect Card route. Every answer is held to the OpenAPI definition (afterEach).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConnectCardResponse, validateGroupListResponse } from '../../../local/fivetran-sandbox/contract';
import { SandboxConfigError } from '../../../local/fivetran-sandbox/errors';
import { AccountRateLimits } from '../../../local/fivetran-sandbox/rate-limit';
import { type FivetranSandbox, type FivetranSandboxOptions, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, expectError, gitlabCreateBody, request, SANDBOX_GROUP } from './support/sandbox-http';

const LOCKED_GROUP = 'locked_group';
const CARD = { connect_card_config: { redirect_uri: 'https://portal.example/done', hide_setup_guide: true } };
let sandbox: FivetranSandbox;

beforeAll(async () => {
  sandbox = await startFivetranSandbox({ groups: [SANDBOX_GROUP, LOCKED_GROUP], forbiddenGroups: [LOCKED_GROUP], seed: 11 });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.reset();
  sandbox.setDuplicateSchemaStatus(409);
});
afterEach(() => expect(sandbox.contractViolations).toEqual([]));

/** Starts a sandbox of its own for the test and always closes it. */
async function withSandbox(options: FivetranSandboxOptions, test: (own: FivetranSandbox) => Promise<void>): Promise<void> {
  const own = await startFivetranSandbox(options);
  try {
    await test(own);
    expect(own.contractViolations).toEqual([]);
  } finally {
    await own.close();
  }
}

describe('permissions', () => {
  it('answers 403 Forbidden "Access denied. Required permission: …" for a group the key may not use, and makes nothing', async () => {
    const listing = await request(sandbox, 'GET', `/v1/groups/${LOCKED_GROUP}/connections`);
    const create = await createConnection(sandbox, gitlabCreateBody('gitlab_locked', { group_id: LOCKED_GROUP }));

    expectError(listing, 403, 'Forbidden');
    expectError(create, 403, 'Forbidden');
    expect(create.body.message).toMatch(/^Access denied\. Required permission: \w+$/);
    expect(sandbox.connections()).toEqual([]);
  });

  it('still answers 404 NotFound_Group before 403 for a group that does not exist', async () => {
    expectError(await request(sandbox, 'GET', '/v1/groups/no_such_group/connections'), 404, 'NotFound_Group');
  });
});

describe('a duplicate schema, answered either way (no recording exists)', () => {
  it.each([
    [409, 'Conflict'],
    [400, 'InvalidInput'],
  ] as const)('answers %i %s for a second connection with the same schema, and keeps one', async (status, code) => {
    sandbox.setDuplicateSchemaStatus(status);
    await createConnection(sandbox, gitlabCreateBody('gitlab_twice'));

    const second = await createConnection(sandbox, gitlabCreateBody('gitlab_twice'));

    expectError(second, status, code);
    expect(sandbox.connections()).toHaveLength(1);
  });

  it('refuses a switch to anything but 400 or 409', () => {
    expect(() => sandbox.setDuplicateSchemaStatus(422 as never)).toThrow(SandboxConfigError);
  });
});

describe("the account's rate limits", () => {
  it('counts every request, lookups too, and answers 429 TooManyRequests with Retry-After past the per-minute limit', async () => {
    await withSandbox({ accountRateLimit: { perMinute: 3 } }, async (own) => {
      const statuses: number[] = [];
      for (let call = 0; call < 3; call += 1) statuses.push((await request(own, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections`)).status);

      const refused = await createConnection(own, gitlabCreateBody('gitlab_fourth'));

      expect(statuses).toEqual([200, 200, 200]);
      expectError(refused, 429, 'TooManyRequests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(own.connections()).toEqual([]);
    });
  });

  it('reports the hourly quota in X-Rate-Limit and X-Rate-Limit-Remaining, and refuses past it with the wait in Retry-After', async () => {
    // An hour ÷ 360 is ten seconds: the refusal is certain within the test, and its wait is short.
    await withSandbox({ accountRateLimit: { perMinute: 100, perHour: 2, timeScale: 360 } }, async (own) => {
      const first = await request(own, 'GET', '/v1/connections');
      const second = await request(own, 'GET', '/v1/connections');
      const refused = await request(own, 'GET', '/v1/connections');

      expect(
        [first, second].map((response) => [response.headers.get('x-rate-limit'), response.headers.get('x-rate-limit-remaining')]),
      ).toEqual([
        ['2', '1'],
        ['2', '0'],
      ]);
      expectError(refused, 429, 'TooManyRequests');
      expect(refused.body.message).toContain('one-hour');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    });
  });

  it('frees a slot when the oldest request leaves the rolling window, and names the longer wait when both windows are full', () => {
    let now = 0;
    const limits = new AccountRateLimits({ perMinute: 1, perHour: 2 }, () => now);

    const first = limits.admit();
    now = 30_000;
    const withinTheMinute = limits.admit();
    now = 60_001;
    const nextMinute = limits.admit();
    now = 90_000;
    const bothFull = limits.admit();

    expect(first).toEqual({ admitted: true });
    expect(withinTheMinute).toEqual({ admitted: false, retryAfterSeconds: 30, limit: 1, window: 'minute' });
    expect(nextMinute).toEqual({ admitted: true });
    expect(bothFull).toEqual({ admitted: false, retryAfterSeconds: 3510, limit: 2, window: 'hour' });
    expect(limits.headers()).toEqual({ 'X-Rate-Limit': '2', 'X-Rate-Limit-Remaining': '0' });
  });

  it('counts no unauthenticated request and no refused one', async () => {
    await withSandbox({ accountRateLimit: { perHour: 1 } }, async (own) => {
      const stranger = await request(own, 'GET', '/v1/connections', { authorization: 'Basic bm9ib2R5Om5vdGhpbmc=' });
      const admitted = await request(own, 'GET', '/v1/connections');
      const refusedTwice = [await request(own, 'GET', '/v1/connections'), await request(own, 'GET', '/v1/connections')];

      expect(stranger.status).toBe(401);
      expect(stranger.headers.get('x-rate-limit')).toBeNull();
      expect(admitted.status).toBe(200);
      expect(refusedTwice.map((response) => response.status)).toEqual([429, 429]);
    });
  });
});

describe("Fivetran's 60-second limit on a request", () => {
  it('applies a create held past the limit, then answers 500 at the limit', async () => {
    await withSandbox({ serverTimeoutMs: 150 }, async (own) => {
      own.injectFault({ method: 'POST', path: '/v1/connections', kind: 'server-timeout' });

      const response = await createConnection(own, gitlabCreateBody('gitlab_slow'));
      const lookup = await request(own, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab_slow`);

      expectError(response, 500, 'InternalServerError');
      expect(own.calls[0]?.faultKind).toBe('server-timeout');
      expect(validateGroupListResponse(lookup.body)).toEqual({ valid: true });
      expect(lookup.body.data.items).toEqual([expect.objectContaining({ schema: 'gitlab_slow' })]);
    });
  });

  it('treats setup tests that outlast the limit the same way: made, answered 500', async () => {
    await withSandbox({ serverTimeoutMs: 100 }, async (own) => {
      own.setCreateLatency(500);

      const response = await createConnection(own, gitlabCreateBody('gitlab_slow_tests'));

      expect(response.status).toBe(500);
      expect(own.connections().map((connection) => connection.schema)).toEqual(['gitlab_slow_tests']);
    });
  });

  it('answers a create that finishes within the limit as usual', async () => {
    await withSandbox({ serverTimeoutMs: 1000 }, async (own) => {
      own.setCreateLatency(50);

      expect((await createConnection(own, gitlabCreateBody('gitlab_in_time'))).status).toBe(201);
    });
  });
});

describe('POST /v1/connections/{id}/connect-card', () => {
  it('mints a fresh, contract-valid card for an existing connection, with its redirect_uri', async () => {
    const created = await createConnection(
      sandbox,
      gitlabCreateBody('gitlab_card', { run_setup_tests: false, config: { schema: 'gitlab_card' }, ...CARD }),
    );
    const id = created.body.data.id as string;

    const card = await request(sandbox, 'POST', `/v1/connections/${id}/connect-card`, { body: CARD });

    expect(card.status).toBe(200);
    expect(validateConnectCardResponse(card.body)).toEqual({ valid: true });
    expect(card.body).toMatchObject({ code: 'Success', data: { connector_id: id, connect_card_config: CARD.connect_card_config } });
    const uri = new URL(card.body.data.connect_card.uri);
    expect(uri.searchParams.get('redirect_uri')).toBe('https://portal.example/done');
    expect(uri.searchParams.get('auth')).toBe(card.body.data.connect_card.token);
    expect(card.body.data.connect_card.token).not.toBe(created.body.data.connect_card.token);
  });

  it('answers 404 NotFound_Connection for a connection it does not have', async () => {
    expectError(await request(sandbox, 'POST', '/v1/connections/ghost_id/connect-card', { body: CARD }), 404, 'NotFound_Connection');
  });

  it('answers 400 InvalidInput without connect_card_config, 415 without JSON, 405 for GET, 403 in a locked group', async () => {
    const id = (await createConnection(sandbox, gitlabCreateBody('gitlab_card_checks'))).body.data.id as string;

    expectError(await request(sandbox, 'POST', `/v1/connections/${id}/connect-card`, { body: {} }), 400, 'InvalidInput');
    expect((await request(sandbox, 'POST', `/v1/connections/${id}/connect-card`, { rawBody: 'x', contentType: 'text/plain' })).status).toBe(
      415,
    );
    expect((await request(sandbox, 'GET', `/v1/connections/${id}/connect-card`)).status).toBe(405);
    const locked = sandbox.seedConnection({ groupId: LOCKED_GROUP, schema: 'gitlab_locked' });
    expectError(await request(sandbox, 'POST', `/v1/connections/${locked.id}/connect-card`, { body: CARD }), 403, 'Forbidden');
  });
});
