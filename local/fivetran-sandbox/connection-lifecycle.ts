/**
 * The routes on one existing connection that change it: `PATCH /v1/connections/{id}` and
 * `POST /v1/connections/{id}/test`. Which answer follows which evidence is in errors.ts.
 */
import { type ApiRequest, type ApiResponse, parseJsonBody } from './api-request';
import { maskedConfig, toConnectionDetails } from './connection-data';
import { gitlabConfigFields, validateSetupTestsRequest, validateUpdateRequest } from './contract';
import { FIVETRAN_ERROR_CODES as CODES, FivetranApiError, FIVETRAN_ERROR_MESSAGES as MESSAGES, terseMessage } from './errors';
import { runSetupTests, type SetupTestResults, type StoredCredentials, setupTestsPassed } from './setup-tests';
import type { GitlabConnectionData, StoredConnection } from './types';

/** Counts one setup-test run against the account's limits, or throws the 429 that refuses it. */
export type AdmitSetupTests = () => void;

/** The fields of an update (already validated against the contract) that the sandbox reads. */
interface UpdateBody {
  config?: Record<string, unknown>;
  auth?: { client_access?: Record<string, unknown> } & Record<string, unknown>;
  paused?: boolean;
  is_historical_sync?: boolean;
  run_setup_tests?: boolean;
  trust_certificates?: boolean;
  trust_fingerprints?: boolean;
}

/** Settings an update copies onto the connection as sent; the definition has typed them already. */
const COPIED_SETTINGS = [
  'paused',
  'pause_after_trial',
  'sync_frequency',
  'schedule_type',
  'daily_sync_time',
  'data_delay_sensitivity',
  'data_delay_threshold',
  'networking_method',
  'proxy_agent_id',
  'private_link_id',
  'hybrid_deployment_agent_id',
  'destination_configuration',
] as const;

/** Settings that only steer the setup tests of this request, never stored ("does not persist", UpdateConnectorRequest). */
const TEST_ONLY_SETTINGS = ['run_setup_tests', 'trust_certificates', 'trust_fingerprints'] as const;

const GITLAB_CONFIG_KEYS: ReadonlySet<string> = new Set(gitlabConfigFields.map(({ name }) => name));

/**
 * `PATCH /v1/connections/{id}`: applies only the fields sent (a `config` merges key by key, so a secret
 * not sent keeps its value) and, with `run_setup_tests: true` and new `config` or `auth`, runs the setup tests.
 */
export function updateConnection(connection: StoredConnection, request: ApiRequest, admitSetupTests: AdmitSetupTests): ApiResponse {
  const body = parseJsonBody(request);
  const check = validateUpdateRequest(body);
  if (!check.valid) throw new FivetranApiError(400, CODES.invalidInput, terseMessage(check.errors));
  const patch = body as UpdateBody;
  for (const key of Object.keys(patch.config ?? {})) {
    if (!GITLAB_CONFIG_KEYS.has(key)) throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.unknownConfigField(key));
  }
  const schema = patch.config?.schema;
  if (schema !== undefined && schema !== connection.schema) throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.schemaPermanent);
  const persistent = Object.keys(patch).some((key) => !(TEST_ONLY_SETTINGS as readonly string[]).includes(key));
  if (
    (patch.trust_certificates !== undefined || patch.trust_fingerprints !== undefined) &&
    !(patch.run_setup_tests === true && persistent)
  ) {
    throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.trustNeedsSetupTests);
  }
  const runsTests = patch.run_setup_tests === true && (patch.config !== undefined || patch.auth !== undefined);
  // Refused before anything is applied: a 429 changes nothing.
  if (runsTests) admitSetupTests();

  const { data, createRequest } = connection;
  for (const key of COPIED_SETTINGS) {
    if (key in patch) (data as unknown as Record<string, unknown>)[key] = structuredClone((patch as Record<string, unknown>)[key]);
  }
  if (patch.paused !== undefined) data.status.sync_state = patch.paused ? 'paused' : 'scheduled';
  if (patch.is_historical_sync !== undefined) data.status.is_historical_sync = patch.is_historical_sync;
  if (patch.config !== undefined) {
    const config = { ...asRecord(createRequest.config), ...structuredClone(patch.config) };
    createRequest.config = config;
    data.config = maskedConfig(config);
  }
  if (patch.auth !== undefined) createRequest.auth = mergedAuth(asRecord(createRequest.auth), structuredClone(patch.auth));
  if (!runsTests) {
    // Setup tests not run now have no results to report.
    const { setup_tests: _notRun, ...details } = toConnectionDetails(data);
    return { status: 200, body: { code: 'Success', message: 'Connection has been updated', data: details }, contract: 'updateResponse' };
  }
  recordSetupTests(connection, runSetupTests(credentialsOf(connection)));
  return {
    status: 200,
    body: { code: 'Success', message: 'Connection has been updated', data: toConnectionDetails(data) },
    contract: 'updateResponse',
  };
}

/**
 * `POST /v1/connections/{id}/test`: runs the setup tests with the stored credentials. The definition lists a
 * 400 "when the request body is omitted entirely (as opposed to an empty object, which is accepted)".
 */
export function testConnection(connection: StoredConnection, request: ApiRequest, admitSetupTests: AdmitSetupTests): ApiResponse {
  if (request.rawBody.trim() === '') throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.bodyRequired);
  const body = parseJsonBody(request);
  if (!validateSetupTestsRequest(body).valid) throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.invalidField('body'));
  admitSetupTests();
  recordSetupTests(connection, runSetupTests(credentialsOf(connection)));
  return {
    status: 200,
    body: { code: 'Success', message: 'Setup tests have been completed', data: toConnectionDetails(connection.data) },
    contract: 'setupTestsResponse',
  };
}

/** A failed test leaves an existing connection `broken`; passing tests make it `connected` again. */
function recordSetupTests(connection: StoredConnection, results: SetupTestResults): void {
  connection.data.setup_tests = results;
  const state: GitlabConnectionData['status']['setup_state'] = setupTestsPassed(results) ? 'connected' : 'broken';
  connection.data.status.setup_state = state;
}

function credentialsOf({ createRequest }: StoredConnection): StoredCredentials {
  return { config: asRecord(createRequest.config), auth: asRecord(createRequest.auth) };
}

function mergedAuth(stored: Record<string, unknown>, patch: NonNullable<UpdateBody['auth']>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored, ...patch };
  if (patch.client_access !== undefined) merged.client_access = { ...asRecord(stored.client_access), ...patch.client_access };
  return merged;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
