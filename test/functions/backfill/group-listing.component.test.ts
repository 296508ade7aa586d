import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGroupLister } from '../../../functions/backfill/group-listing';
import { listGroupSchemas } from '../../../functions/backfill/list-group-schemas';
import { type FivetranSandbox, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { FAKE_API_KEY } from '../../../local/world/fixtures';
import { FivetranFault } from '../../../shared/fivetran/fault';

let sandbox: FivetranSandbox;
beforeAll(async () => {
  sandbox = await startFivetranSandbox({ apiKey: FAKE_API_KEY.apiKey, apiSecret: FAKE_API_KEY.apiSecret, groups: ['group_a', 'group_b'] });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => sandbox.reset());

const options = () => ({ baseUrl: sandbox.url, apiKey: FAKE_API_KEY, timeoutMs: 2_000 });
const lister = (maxAttempts = 3) => {
  const sleeps: number[] = [];
  const listGroup = createGroupLister({
    ...options(),
    maxAttempts,
    backoff: { baseDelayMs: 100, maxDelayMs: 1_000 },
    deadline: { remainingMs: () => 60_000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  return { listGroup, sleeps };
};

describe("listing a group's connections", () => {
  it('follows next_cursor through every page with Basic auth and the v2 Accept header', async () => {
    // given five connections in the group, one of another service, and one in another group
    for (const schema of ['s1', 's2', 's3', 's4']) sandbox.seedConnection({ groupId: 'group_a', schema });
    sandbox.seedConnection({ groupId: 'group_a', schema: 'jira_s', service: 'jira' });
    sandbox.seedConnection({ groupId: 'group_b', schema: 'elsewhere' });

    // when they are listed two a page
    const schemas = await listGroupSchemas('group_a', { ...options(), pageSize: 2 });

    // then all five came back over three pages, the later ones with the cursor
    expect(schemas).toEqual(
      new Map([
        ['s1', 'gitlab'],
        ['s2', 'gitlab'],
        ['s3', 'gitlab'],
        ['s4', 'gitlab'],
        ['jira_s', 'jira'],
      ]),
    );
    expect(sandbox.calls.map((call) => [call.path, call.query.limit, call.query.cursor === undefined ? 'first' : 'next'])).toEqual([
      ['/v1/groups/group_a/connections', '2', 'first'],
      ['/v1/groups/group_a/connections', '2', 'next'],
      ['/v1/groups/group_a/connections', '2', 'next'],
    ]);
    expect(
      sandbox.calls.every((call) => call.headers.authorization === 'valid' && call.headers.accept === 'application/json;version=2'),
    ).toBe(true);
    expect(sandbox.contractViolations).toEqual([]);
  });

  it("throws the fault Fivetran answered, as the worker's client does", async () => {
    await expect(listGroupSchemas('ghost', options())).rejects.toMatchObject({
      name: 'FivetranFault',
      code: 'FIVETRAN_HTTP_ERROR',
      status: 404,
    });
    await expect(listGroupSchemas('ghost', options())).rejects.toBeInstanceOf(FivetranFault);
  });
});

describe('listing groups for a run', () => {
  it('retries a transient fault and then succeeds', async () => {
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 503, times: 2 });
    const { listGroup, sleeps } = lister();
    expect(await listGroup('group_a')).toEqual({ ok: true, schemas: new Map() });
    expect(sandbox.calls.map((call) => call.status)).toEqual([503, 503, 200]);
    expect(sleeps).toHaveLength(2);
  });

  it("waits at least as long as a 429's Retry-After", async () => {
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 429, retryAfterSeconds: 7 });
    const { listGroup, sleeps } = lister();
    expect(await listGroup('group_a')).toMatchObject({ ok: true });
    expect(sleeps).toEqual([7_000]);
  });

  it('reports a group Fivetran does not know, without retrying', async () => {
    const { listGroup } = lister();
    expect(await listGroup('ghost')).toEqual({ ok: false, code: 'GROUP_NOT_FOUND', reason: 'Fivetran has no group ghost' });
    expect(sandbox.calls).toHaveLength(1);
  });

  it('gives up after the last attempt, naming the fault', async () => {
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 503, times: Infinity });
    const { listGroup } = lister(3);
    expect(await listGroup('group_a')).toMatchObject({ ok: false, code: 'GROUP_LISTING_FAILED', reason: expect.stringContaining('503') });
    expect(sandbox.calls).toHaveLength(3);

    sandbox.reset();
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 401, times: Infinity });
    expect(await lister(2).listGroup('group_a')).toMatchObject({
      ok: false,
      code: 'GROUP_LISTING_FAILED',
      reason: expect.stringContaining('API key was refused'),
    });
    expect(sandbox.calls).toHaveLength(2);
  });
});
