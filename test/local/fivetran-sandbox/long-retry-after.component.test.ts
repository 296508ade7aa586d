import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SandboxConfigError } from '../../../local/fivetran-sandbox/errors';
import { type FivetranSandbox, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { request } from './support/sandbox-http';

let sandbox: FivetranSandbox;

beforeAll(async () => {
  sandbox = await startFivetranSandbox({ seed: 11 });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

async function retryAfterOfRandomLong429(config: { longRetryAfterSeconds?: number }): Promise<string | null> {
  sandbox.setRandomFaults({ ...config, probabilities: { status429Long: 1 } });
  const response = await request(sandbox, 'GET', '/v1/connections');
  expect(response.status).toBe(429);
  expect(response.body.code).toBe('TooManyRequests');
  return response.headers.get('retry-after');
}

describe('the Retry-After of the "long" random 429', () => {
  it("is Fivetran's documented 3600 s unless told otherwise", async () => {
    // Given random faults that always answer the long 429, with no Retry-After chosen
    // When a request is made
    const retryAfter = await retryAfterOfRandomLong429({});

    // Then the answer asks for an hour
    expect(retryAfter).toBe('3600');
  });

  it('is the configured number of seconds when longRetryAfterSeconds is set', async () => {
    // Given random faults whose long 429 asks for 4 s
    // When a request is made
    const retryAfter = await retryAfterOfRandomLong429({ longRetryAfterSeconds: 4 });

    // Then the answer asks for exactly that, and the answer is contract-valid
    expect(retryAfter).toBe('4');
    expect(sandbox.contractViolations).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s seconds as a configuration error', (seconds) => {
    expect(() => sandbox.setRandomFaults({ longRetryAfterSeconds: seconds, probabilities: { status429Long: 1 } })).toThrow(
      SandboxConfigError,
    );
  });
});

describe('the Retry-After of a recorded call', () => {
  it('is recorded for answers that carried one, and absent otherwise', async () => {
    // Given one 429 asking for 7 s, then a normal answer
    sandbox.injectFault({ method: 'GET', kind: 'status', status: 429, retryAfterSeconds: 7 });

    // When two requests are made
    await request(sandbox, 'GET', '/v1/connections');
    await request(sandbox, 'GET', '/v1/connections');

    // Then the first call records the wait it asked for and the second records none
    expect(sandbox.calls.map((call) => [call.status, call.retryAfter])).toEqual([
      [429, '7'],
      [200, undefined],
    ]);
  });
});
