import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateErrorResponse, validateListResponse } from '../../../local/fivetran-sandbox/contract';
import { SandboxConfigError } from '../../../local/fivetran-sandbox/errors';
import { type FivetranSandbox, type RandomFaultConfig, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, gitlabCreateBody, request, SANDBOX_GROUP } from './support/sandbox-http';

let sandbox: FivetranSandbox;

beforeAll(async () => {
  sandbox = await startFivetranSandbox({ seed: 7 });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());
afterEach(() => expect(sandbox.contractViolations).toEqual([]));

describe('injected status faults', () => {
  it('answers 429 TooManyRequests with Retry-After once, then behaves normally again', async () => {
    // Given a one-shot 429 on creates
    sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 30 });

    // When the client creates twice
    const limited = await createConnection(sandbox, gitlabCreateBody('gitlab_a'));
    const retried = await createConnection(sandbox, gitlabCreateBody('gitlab_a'));

    // Then the first is refused without effect and the retry succeeds
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(validateErrorResponse(limited.body)).toEqual({ valid: true });
    expect(limited.body.code).toBe('TooManyRequests');
    expect(retried.status).toBe(201);
    expect(sandbox.connections()).toHaveLength(1);
    expect(sandbox.calls.map((call) => call.faultKind)).toEqual(['status', undefined]);
  });

  it.each([500, 502, 503, 504] as const)('answers an injected %i with a contract-valid error body', async (status) => {
    sandbox.injectFault({ path: /^\/v1\/groups\//, kind: 'status', status });

    const response = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections`);

    expect(response.status).toBe(status);
    expect(validateErrorResponse(response.body)).toEqual({ valid: true });
  });

  it('consumes matching rules in registration order, each for its number of times', async () => {
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 500, times: 2 });
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 503 });

    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await request(sandbox, 'GET', '/v1/connections')).status);

    expect(statuses).toEqual([500, 500, 503, 200]);
  });

  it('keeps an Infinity rule until clearFaults()', async () => {
    sandbox.injectFault({ kind: 'status', status: 502, times: Infinity });

    const during = [await request(sandbox, 'GET', '/v1/connections'), await request(sandbox, 'GET', '/v1/connections')];
    sandbox.clearFaults();
    const after = await request(sandbox, 'GET', '/v1/connections');

    expect(during.map((response) => response.status)).toEqual([502, 502]);
    expect(after.status).toBe(200);
  });

  it("sends a custom body as given, unchecked, e.g. a gateway's HTML page", async () => {
    sandbox.injectFault({ kind: 'status', status: 504, body: '<html>Gateway Timeout</html>' });

    const response = await request(sandbox, 'GET', '/v1/connections');

    expect(response.status).toBe(504);
    expect(response.text).toBe('<html>Gateway Timeout</html>');
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('dropped connections and half-applied creates', () => {
  it('drops the socket so that fetch rejects, and records the call without a status', async () => {
    sandbox.injectFault({ method: 'GET', kind: 'drop' });

    await expect(request(sandbox, 'GET', '/v1/connections')).rejects.toThrow();
    const next = await request(sandbox, 'GET', '/v1/connections');

    expect(next.status).toBe(200);
    expect(sandbox.calls[0]).toMatchObject({ method: 'GET', path: '/v1/connections', status: null, faultKind: 'drop' });
  });

  it('created-then-500: answers 500 although the connection exists, and a blind retry meets 409', async () => {
    sandbox.injectFault({ kind: 'created-then-500' });

    const first = await createConnection(sandbox, gitlabCreateBody('gitlab_slow'));
    const lookup = await request(sandbox, 'GET', `/v1/connections?group_id=${SANDBOX_GROUP}&schema=gitlab_slow`);
    const retry = await createConnection(sandbox, gitlabCreateBody('gitlab_slow'));

    expect(first.status).toBe(500);
    expect(validateErrorResponse(first.body)).toEqual({ valid: true });
    expect(validateListResponse(lookup.body)).toEqual({ valid: true });
    expect(lookup.body.data.items).toHaveLength(1);
    expect(retry.status).toBe(409);
  });

  it('created-then-drop: the client sees a reset, the connection exists', async () => {
    sandbox.injectFault({ kind: 'created-then-drop' });

    await expect(createConnection(sandbox, gitlabCreateBody('gitlab_dropped'))).rejects.toThrow();

    expect(sandbox.connections().map((connection) => connection.schema)).toEqual(['gitlab_dropped']);
  });

  it('leaves a created-then-* rule for the next create instead of spending it on a GET', async () => {
    sandbox.injectFault({ kind: 'created-then-500' });

    const read = await request(sandbox, 'GET', '/v1/connections');
    const create = await createConnection(sandbox, gitlabCreateBody('gitlab_later'));

    expect(read.status).toBe(200);
    expect(create.status).toBe(500);
  });
});

describe('latency', () => {
  it('delays a request matched by a latency rule, which then succeeds', async () => {
    sandbox.injectFault({ kind: 'latency', delayMs: 30 });

    const response = await request(sandbox, 'GET', '/v1/connections');

    expect(response.status).toBe(200);
    expect(sandbox.calls[0]?.faultKind).toBe('latency');
  });

  it('applies a fixed create latency without changing the outcome', async () => {
    sandbox.setCreateLatency(20);

    const response = await createConnection(sandbox, gitlabCreateBody('gitlab_delayed'));

    expect(response.status).toBe(201);
    expect(sandbox.calls[0]?.faultKind).toBeUndefined();
  });

  it('close() ends a request that is still waiting, so tests never hang', async () => {
    const closing = await startFivetranSandbox();
    closing.injectFault({ kind: 'latency', delayMs: 60_000 });
    const pending = request(closing, 'GET', '/v1/connections');
    await vi.waitFor(() => expect(closing.pendingRequests).toBe(1));

    await closing.close();

    await expect(pending).rejects.toThrow();
  });
});

describe('creation rate limit', () => {
  it('answers 429 TooManyRequests with a Retry-After within the window beyond `limit` creations', async () => {
    const limited = await startFivetranSandbox({ createRateLimit: { limit: 2, windowMs: 60_000 } });
    try {
      const statuses: number[] = [];
      for (const schema of ['gl_1', 'gl_2']) statuses.push((await createConnection(limited, gitlabCreateBody(schema))).status);

      const refused = await createConnection(limited, gitlabCreateBody('gl_3'));
      const reads = await request(limited, 'GET', '/v1/connections');

      expect(statuses).toEqual([201, 201]);
      expect(refused.status).toBe(429);
      expect(validateErrorResponse(refused.body)).toEqual({ valid: true });
      expect(refused.body.code).toBe('TooManyRequests');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(reads.status).toBe(200);
      expect(limited.connections()).toHaveLength(2);
      expect(limited.contractViolations).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe('seeded random faults', () => {
  const chaos: RandomFaultConfig = {
    seed: 1234,
    probabilities: { status429Short: 0.2, status5xx: 0.2, latency: { p: 0.3, minMs: 1, maxMs: 5 } },
  };

  async function statusesUnderChaos(target: FivetranSandbox): Promise<number[]> {
    target.setRandomFaults(chaos);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) statuses.push((await request(target, 'GET', '/v1/connections')).status);
    return statuses;
  }

  it('replays the same faults for the same seed', async () => {
    const other = await startFivetranSandbox();
    try {
      const first = await statusesUnderChaos(sandbox);
      const second = await statusesUnderChaos(other);

      expect(second).toEqual(first);
      expect(first).toContain(200);
      expect(first.some((status) => status === 429 || status >= 500)).toBe(true);
      expect(other.contractViolations).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('drops every request when drop has probability 1, and stops when switched off', async () => {
    sandbox.setRandomFaults({ probabilities: { drop: 1 } });
    await expect(request(sandbox, 'GET', '/v1/connections')).rejects.toThrow();

    sandbox.setRandomFaults(null);
    expect((await request(sandbox, 'GET', '/v1/connections')).status).toBe(200);
  });

  it('refuses probabilities that cannot add up', () => {
    expect(() => sandbox.setRandomFaults({ probabilities: { drop: 0.6, status5xx: 0.6 } })).toThrow(SandboxConfigError);
  });
});

describe('sandbox housekeeping', () => {
  it('refuses a fault rule it cannot honour', () => {
    expect(() => sandbox.injectFault({ kind: 'status', status: 418 as 400 })).toThrow(SandboxConfigError);
    expect(() => sandbox.injectFault({ kind: 'drop', times: 0 })).toThrow(SandboxConfigError);
  });

  it('reset() forgets connections, calls and faults', async () => {
    await createConnection(sandbox, gitlabCreateBody('gitlab_before_reset'));
    sandbox.injectFault({ kind: 'status', status: 500 });

    sandbox.reset();
    const after = await request(sandbox, 'GET', '/v1/connections');

    expect(after.status).toBe(200);
    expect(after.body.data.items).toEqual([]);
    expect(sandbox.calls).toHaveLength(1);
  });

  it('turns its own contract breach into a loud 500 and records it', async () => {
    // Given a create whose token equals its schema name, so the (legitimately echoed) schema leaks the secret
    const strict = await startFivetranSandbox();
    try {
      const body = gitlabCreateBody('leaky_secret_value', {
        config: { schema: 'leaky_secret_value', personal_access_token: 'leaky_secret_value' },
      });

      // When it is created
      const response = await createConnection(strict, body);

      // Then the sandbox refuses to send it and records the violation
      expect(response.status).toBe(500);
      expect(response.body.code).toBe('SandboxContractViolation');
      expect(response.text).not.toContain('leaky_secret_value');
      expect(strict.contractViolations).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });
});
