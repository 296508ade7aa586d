import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildCreateBody } from '../../../functions/provision/credentials';
import { MIN_CALL_MS, provisionConnection } from '../../../functions/provision/provision-connection';
import { FAKE_API_KEY, FAKE_PAT, patRequest } from '../../../local/world/fixtures';
import { createFivetranClient } from '../../../shared/fivetran/client';

/** A loopback port nothing listens on: a server took it and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('provisioning when Fivetran refuses the connection', () => {
  it('reports the refused connection, not "no time left", when the time runs out after a wait that overslept', async () => {
    // given a Fivetran address that refuses connections, and a clock on which each wait oversleeps by 600 ms
    let clock = 0;
    const client = createFivetranClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: FAKE_API_KEY, now: () => clock });
    const request = patRequest();
    const body = buildCreateBody(request.connection, FAKE_PAT, request.credentialsSecretId);
    const deadlineAt = 2 * MIN_CALL_MS + 500;

    // when the connection is provisioned with a first wait that fits the deadline but ends with less than a call's time left
    const result = await provisionConnection(body, {
      client,
      requestTimeoutMs: 5_000,
      createTimeoutMs: 5_000,
      maxAttempts: 4,
      backoff: { baseDelayMs: MIN_CALL_MS, maxDelayMs: MIN_CALL_MS },
      deadline: { remainingMs: () => deadlineAt - clock },
      sleep: async (ms) => {
        clock += ms + 600;
      },
      random: () => 0.999,
    });

    // then the failure is the refused connection the try met, retryable
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('FIVETRAN_UNAVAILABLE');
    expect(result.error.retryable).toBe(true);
    expect(result.error.message).toMatch(/^GET \/v1\/groups\/sandbox_group\/connections: connection refused \(ECONNREFUSED\)/);
    expect(result.error.message).not.toMatch(/No time left/);
  });

  it('says there was no time left when not even the first call fitted', async () => {
    // given a deadline already closer than one call
    const client = createFivetranClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: FAKE_API_KEY });
    const request = patRequest();
    const body = buildCreateBody(request.connection, FAKE_PAT, request.credentialsSecretId);
    // when the connection is provisioned
    const result = await provisionConnection(body, {
      client,
      requestTimeoutMs: 5_000,
      createTimeoutMs: 5_000,
      maxAttempts: 4,
      backoff: { baseDelayMs: 10, maxDelayMs: 10 },
      deadline: { remainingMs: () => MIN_CALL_MS - 1 },
      sleep: async () => undefined,
      random: () => 0.5,
    });
    // then nothing was tried, and the reason is the clock
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/No time left in this invocation/);
  });
});
