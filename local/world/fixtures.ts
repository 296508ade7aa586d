import type { ProvisioningRequest } from '../../shared/contracts/request';

/**
 * Example requests and obviously fake credentials. Every secret value carries
 * the word "fake" and a marker, so a leak is easy to search for.
 */
export const CREDENTIALS_PREFIX = 'fivetran/gitlab/';
/** Credentials are bound to their Fivetran group: the sandbox group's live under this. */
export const GROUP_CREDENTIALS = `${CREDENTIALS_PREFIX}sandbox_group/`;
export const API_KEY_SECRET_ID = 'fivetran/api-key';
export const FAKE_API_KEY = { apiKey: 'fake-api-key-id', apiSecret: 'fake-api-secret-M4RK3R-apikey' };

export const FAKE_PAT = { personal_access_token: 'fake-pat-M4RK3R-pat' };
export const FAKE_MTLS = {
  personal_access_token: 'fake-pat-M4RK3R-mtls-pat',
  client_certificate: 'fake-cert-M4RK3R-cert',
  client_private_key: 'fake-key-M4RK3R-key',
};
export const FAKE_OAUTH = {
  access_token: 'fake-access-M4RK3R-access',
  refresh_token: 'fake-refresh-M4RK3R-refresh',
  client_id: 'example-client-id',
  client_secret: 'fake-client-secret-M4RK3R-client',
};
/** Any of these in a log line or event is a leak. */
export const SECRET_MARKER = 'M4RK3R';

export const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:provisioner';
export const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:provisioning';

export function patRequest(overrides: Partial<ProvisioningRequest> & { schema?: string; groupId?: string } = {}): ProvisioningRequest {
  const { schema = 'gitlab_team_a', groupId = 'sandbox_group', ...rest } = overrides;
  return {
    requestId: `req-${schema}`,
    connection: {
      group_id: groupId,
      service: 'gitlab',
      run_setup_tests: true,
      sync_frequency: 1440,
      daily_sync_time: '14:00',
      destination_schema_names: 'SOURCE_NAMING',
      config: { schema, auth: 'personal_access_token', base_url: '', custom_base_url: 'gitlab.example.com' },
    },
    credentialsSecretId: `${CREDENTIALS_PREFIX}${groupId}/team-a`,
    context: { correlationId: `corr-${schema}`, requestedBy: 'unit-test' },
    ...rest,
  };
}

/** A provisioning request body for the benchmarks: a PAT request of its own schema, naming `credentialsSecretId`. */
export function benchRequest(schema: string, credentialsSecretId = `${GROUP_CREDENTIALS}team`): ProvisioningRequest {
  return patRequest({ schema, requestId: `bench-${schema}`, credentialsSecretId });
}
