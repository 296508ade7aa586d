import { describe, expect, it } from 'vitest';
import { patRequest } from '../../../local/world/fixtures';
import { parseProvisioningRequest } from '../../../shared/contracts/request-parser';

const parse = (value: unknown) => parseProvisioningRequest(typeof value === 'string' ? value : JSON.stringify(value));

function refusal(value: unknown): string {
  const result = parse(value);
  if (result.ok) throw new Error('expected the request to be refused');
  expect(result.error.code).toBe('INVALID_REQUEST');
  return result.error.message;
}

/** Applies a change to a deep copy of a valid request. */
function variant(change: (request: any) => void): unknown {
  const request = structuredClone(patRequest()) as any;
  change(request);
  return request;
}

describe('provisioning request contract', () => {
  it('accepts a full request with every GitLab field of the create API', () => {
    const result = parse(
      variant((r) => {
        Object.assign(r.connection, {
          trust_certificates: true,
          trust_fingerprints: true,
          paused: false,
          pause_after_trial: false,
          data_delay_sensitivity: 'CUSTOM',
          data_delay_threshold: 30,
          schedule_type: 'auto',
          proxy_agent_id: 'proxy_agent',
          private_link_id: 'private_link',
          networking_method: 'Directly',
          hybrid_deployment_agent_id: 'hd_agent',
          destination_configuration: { virtual_warehouse: 'wh' },
          external_secrets_manager_id: 'esm',
          auth: { client_access: { client_id: 'client' } },
        });
        r.connection.config.enable_mtls_connection = 'true';
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('accepts a connect-card request without a credentials reference', () => {
    const result = parse(
      variant((r) => {
        delete r.credentialsSecretId;
        r.connection.run_setup_tests = false;
        r.connection.connect_card_config = { redirect_uri: 'https://example.com/done', hide_setup_guide: true };
      }),
    );
    expect(result.ok).toBe(true);
  });

  it.each([
    ['requestId', (r: any) => (r.requestId = 'has space'), /requestId: must be 1 to 128/],
    ['requestId length', (r: any) => (r.requestId = 'x'.repeat(129)), /requestId/],
    ['service', (r: any) => (r.connection.service = 'github'), /connection.service: must be "gitlab"/],
    ['sync_frequency', (r: any) => (r.connection.sync_frequency = 7), /connection.sync_frequency: must be one of 1, 5/],
    ['sync_frequency as string', (r: any) => (r.connection.sync_frequency = '1440'), /connection.sync_frequency/],
    ['schedule_type', (r: any) => (r.connection.schedule_type = 'hourly'), /connection.schedule_type/],
    ['networking_method', (r: any) => (r.connection.networking_method = 'Tunnel'), /connection.networking_method/],
    ['destination_schema_names', (r: any) => (r.connection.destination_schema_names = 'X'), /connection.destination_schema_names/],
    ['data_delay_sensitivity', (r: any) => (r.connection.data_delay_sensitivity = 'low'), /connection.data_delay_sensitivity/],
    ['data_delay_threshold', (r: any) => (r.connection.data_delay_threshold = -1), /connection.data_delay_threshold/],
    ['daily_sync_time format', (r: any) => (r.connection.daily_sync_time = '14:30'), /connection.daily_sync_time: must be a whole hour/],
    ['daily_sync_time hour', (r: any) => (r.connection.daily_sync_time = '24:00'), /connection.daily_sync_time/],
    [
      'daily_sync_time without daily sync',
      (r: any) => (r.connection.sync_frequency = 60),
      /daily_sync_time: is only allowed with sync_frequency 1440/,
    ],
    ['schema name', (r: any) => (r.connection.config.schema = '1gitlab'), /connection.config.schema: must be lowercase/],
    ['schema upper case', (r: any) => (r.connection.config.schema = 'GitLab'), /connection.config.schema/],
    ['schema missing', (r: any) => delete r.connection.config.schema, /connection.config.schema: is required/],
    ['group_id missing', (r: any) => delete r.connection.group_id, /connection.group_id: is required/],
    ['group_id with a slash', (r: any) => (r.connection.group_id = '../admin'), /connection.group_id/],
    ['config.auth', (r: any) => (r.connection.config.auth = 'basic'), /connection.config.auth/],
    ['config.base_url', (r: any) => (r.connection.config.base_url = 'https://gitlab.com'), /connection.config.base_url/],
    [
      'enable_mtls_connection boolean',
      (r: any) => (r.connection.config.enable_mtls_connection = true),
      /connection.config.enable_mtls_connection/,
    ],
    [
      'redirect_uri scheme',
      (r: any) => (r.connection.connect_card_config = { redirect_uri: 'ftp://x' }),
      /connect_card_config.redirect_uri/,
    ],
    [
      'redirect_uri with a user and token',
      (r: any) => (r.connection.connect_card_config = { redirect_uri: 'https://oauth2:fake-token@portal.example.com/done' }),
      /connection.connect_card_config.redirect_uri: must be a valid URL with no user name or password/,
    ],
    [
      'redirect_uri with a right-to-left override',
      (r: any) => (r.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/\u202Eenod' }),
      /connection.connect_card_config.redirect_uri: must not contain control, invisible or bidirectional-formatting characters/,
    ],
    [
      'redirect_uri with a control character',
      (r: any) => (r.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/\u0000done' }),
      /connection.connect_card_config.redirect_uri: must not contain control/,
    ],
    ['unknown top-level field', (r: any) => (r.priority = 'high'), /priority: unknown field/],
    ['unknown connection field', (r: any) => (r.connection.sync_every = 5), /connection.sync_every: unknown field/],
    ['unknown config field', (r: any) => (r.connection.config.token = 'x'), /connection.config.token: unknown field/],
    ['unknown context field', (r: any) => (r.context.team = 'a'), /context.team: unknown field/],
    ['credentials reference characters', (r: any) => (r.credentialsSecretId = 'fivetran/gitlab/a b'), /credentialsSecretId/],
    ['credentials reference missing', (r: any) => delete r.credentialsSecretId, /credentialsSecretId: is required unless/],
  ])('refuses a bad %s, naming the field', (_name, change, expected) => {
    expect(refusal(variant(change))).toMatch(expected);
  });

  it.each([
    ['connection.config.personal_access_token', (r: any) => (r.connection.config.personal_access_token = 'fake')],
    ['connection.config.client_certificate', (r: any) => (r.connection.config.client_certificate = 'fake')],
    ['connection.config.client_private_key', (r: any) => (r.connection.config.client_private_key = 'fake')],
    ['connection.auth.access_token', (r: any) => (r.connection.auth = { access_token: 'fake' })],
    ['connection.auth.refresh_token', (r: any) => (r.connection.auth = { refresh_token: 'fake' })],
    ['connection.auth.client_access.client_secret', (r: any) => (r.connection.auth = { client_access: { client_secret: 'fake' } })],
  ])('refuses an inline secret value in %s and points to the credentials secret', (path, change) => {
    const message = refusal(variant(change));
    expect(message).toContain(`${path}: is a secret value`);
    expect(message).toContain('credentials secret named by credentialsSecretId');
    expect(message).not.toContain('fake');
  });

  it('names an unknown field only when it looks like a field name, so a token pasted as a key is never repeated', () => {
    const message = refusal(variant((r) => (r.connection.config['glpat-fake-M4RK3R-token'] = true)));
    expect(message).toBe('Invalid request: connection.config.<unknown field name of 23 characters>: unknown field');
  });

  it('accepts an ordinary https redirect_uri with a path, query and port', () => {
    const request = variant((r) => {
      r.connection.connect_card_config = { redirect_uri: 'https://portal.example.com:8443/fivetran/done?team=a#top' };
      // A connect card runs no setup tests (Fivetran's connect-card guide).
      delete r.connection.run_setup_tests;
    });
    expect(parse(request).ok).toBe(true);
  });

  it('keeps what it could read of an invalid request for the failure event', () => {
    const result = parse(variant((r) => (r.connection.sync_frequency = 2)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.known).toEqual({
      requestId: 'req-gitlab_team_a',
      groupId: 'sandbox_group',
      schema: 'gitlab_team_a',
      context: { correlationId: 'corr-gitlab_team_a', requestedBy: 'unit-test' },
    });
  });

  it('reports a body that is not JSON, or not an object, with no request id', () => {
    expect(refusal('{"requestId": ')).toMatch(/not JSON/);
    const result = parse('[1,2]');
    expect(result.ok || result.known.requestId).toBe(null);
  });

  it('refuses an oversized body before parsing it', () => {
    const huge = JSON.stringify({ ...patRequest(), padding: 'x'.repeat(70_000) });
    expect(refusal(huge)).toMatch(/at most 65536 are accepted/);
  });

  it('lists at most ten problems and says how many more', () => {
    const message = refusal(
      variant((r) => {
        for (let i = 0; i < 15; i += 1) r[`extra_${i}`] = i;
      }),
    );
    expect(message).toMatch(/and 5 more$/);
  });
});
