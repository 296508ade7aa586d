import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import type { FivetranSandbox } from '../../../local/fivetran-sandbox/types';
import { createFivetranClient } from '../../../shared/fivetran/client';

const API_KEY = { apiKey: 'fake-key-quota', apiSecret: 'fake-secret-quota' };
let sandbox: FivetranSandbox;

beforeAll(async () => {
  sandbox = await startFivetranSandbox({ ...API_KEY, groups: ['group_q'], accountRateLimit: { perHour: 3 } });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('Fivetran client: the quota headers', () => {
  it("reports X-Rate-Limit and X-Rate-Limit-Remaining of every answer, a 429's too, so the worker can slow down before the quota is spent", async () => {
    // given an account allowed 3 requests an hour
    const seen: Array<{ limit: number; remaining: number }> = [];
    const client = createFivetranClient({ baseUrl: sandbox.url, apiKey: API_KEY, onQuota: (quota) => seen.push(quota) });
    // when it makes four calls
    for (let call = 0; call < 3; call += 1) await client.listGroupConnections('group_q', { timeoutMs: 2_000 });
    await expect(client.listGroupConnections('group_q', { timeoutMs: 2_000 })).rejects.toMatchObject({ status: 429 });
    // then each answer told how much of the hour's quota was left
    expect(seen.map((quota) => quota.limit)).toEqual([3, 3, 3, 3]);
    expect(seen.map((quota) => quota.remaining)).toEqual([2, 1, 0, 0]);
  });
});
