/**
 * Small HTTP helpers for the sandbox tests: real requests through global fetch.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { validateErrorResponse } from '../../../../local/fivetran-sandbox/contract';
import { type FivetranSandbox, startFivetranSandbox } from '../../../../local/fivetran-sandbox/server';

export const SANDBOX_GROUP = 'sandbox_group';
export const OTHER_GROUP = 'other_group';
export const VALID_AUTHORIZATION = `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`;

export interface ReceivedResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: any;
}

/** A create body for GitLab with a personal access token; `overrides` replace top-level fields. */
export function gitlabCreateBody(schema: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    group_id: SANDBOX_GROUP,
    service: 'gitlab',
    run_setup_tests: true,
    sync_frequency: 1440,
    config: { schema, auth: 'personal_access_token', base_url: 'gitlab.com', personal_access_token: 'glpat-sandbox-test-token' },
    ...overrides,
  };
}

export async function request(
  sandbox: FivetranSandbox,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; contentType?: string; authorization?: string | null } = {},
): Promise<ReceivedResponse> {
  const headers: Record<string, string> = { Accept: 'application/json;version=2' };
  if (options.authorization !== null) headers.Authorization = options.authorization ?? VALID_AUTHORIZATION;
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    body = options.rawBody ?? JSON.stringify(options.body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${sandbox.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export function createConnection(sandbox: FivetranSandbox, body: unknown): Promise<ReceivedResponse> {
  return request(sandbox, 'POST', '/v1/connections', { body });
}

/** The config a connection stores now, secrets included (the first connection unless told otherwise). */
export function storedConfig(sandbox: FivetranSandbox, index = 0): Record<string, unknown> {
  const connection = sandbox.connections()[index];
  if (connection === undefined) throw new Error(`the sandbox holds no connection #${index}`);
  return connection.createRequest.config as Record<string, unknown>;
}

/** The response is a contract-valid Fivetran error of this status and code. */
export function expectError(response: ReceivedResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(validateErrorResponse(response.body)).toEqual({ valid: true });
  expect(response.body.code).toBe(code);
}

/**
 * One sandbox for a test file (the two groups, seed 42), handed to `started`: reset before each test, and
 * every answer of each test held to the contract.
 */
export function useSandbox(started: (sandbox: FivetranSandbox) => void): void {
  let sandbox: FivetranSandbox;
  beforeAll(async () => {
    sandbox = await startFivetranSandbox({ groups: [SANDBOX_GROUP, OTHER_GROUP], seed: 42 });
    started(sandbox);
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.reset());
  afterEach(() => expect(sandbox.contractViolations).toEqual([]));
}
