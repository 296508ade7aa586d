import { describe, expect, it } from 'vitest';
import {
  createRequestSecretPaths,
  validateConnectCardRequest,
  validateConnectCardResponse,
  validateCreateRequest,
  validateCreateResponse,
  validateErrorResponse,
  validateListResponse,
} from '../../../local/fivetran-sandbox/contract';

/** The full create request of Fivetran's page "GitLab API Configuration" (gitlab-connection-api.txt), verbatim. */
const DOCUMENTED_CREATE_REQUEST = {
  group_id: 'group_id',
  service: 'gitlab',
  trust_certificates: true,
  trust_fingerprints: true,
  run_setup_tests: true,
  paused: false,
  pause_after_trial: false,
  sync_frequency: 1440,
  data_delay_sensitivity: 'NORMAL',
  data_delay_threshold: 0,
  daily_sync_time: '14:00',
  schedule_type: 'auto',
  connect_card_config: { redirect_uri: 'https://your.site/path', hide_setup_guide: true },
  proxy_agent_id: 'proxy_agent_id',
  private_link_id: 'private_link_id',
  networking_method: 'Directly',
  hybrid_deployment_agent_id: 'hybrid_deployment_agent_id',
  destination_configuration: { virtual_warehouse: 'virtual_warehouse' },
  destination_schema_names: 'SOURCE_NAMING',
  config: {
    custom_base_url: 'your_gitlab_custom_base_url',
    client_certificate: 'your_gitlab_client_certificate',
    auth: 'oauth_2',
    client_private_key: 'your_gitlab_client_private_key',
    base_url: '',
    enable_mtls_connection: 'true',
    personal_access_token: 'your_gitlab_personal_access_token',
    schema: 'schema_name',
  },
  auth: {
    access_token: 'gitlab_access_token',
    refresh_token: 'gitlab_refresh_token',
    client_access: { client_secret: 'string', client_id: 'string' },
  },
};

function withConfig(config: Record<string, unknown>): Record<string, unknown> {
  return { ...DOCUMENTED_CREATE_REQUEST, config: { ...DOCUMENTED_CREATE_REQUEST.config, ...config } };
}

describe('validateCreateRequest (gitlab_NewConnectorRequestV1)', () => {
  it("accepts Fivetran's own documented GitLab example body", () => {
    expect(validateCreateRequest(DOCUMENTED_CREATE_REQUEST)).toEqual({ valid: true });
  });

  it('accepts the documented OAuth variant that authorizes through the auth section only', () => {
    const body = {
      service: 'gitlab',
      group_id: 'group_id',
      auth: { client_access: { client_secret: 'string', client_id: 'string' }, refresh_token: 'r', access_token: 'a' },
    };

    expect(validateCreateRequest(body)).toEqual({ valid: true });
  });

  it('rejects config.auth sent as an object, the way the definition literally declares it', () => {
    const result = validateCreateRequest(withConfig({ auth: { type: 'oauth_2' } }));

    expect(result).toEqual({ valid: false, errors: expect.arrayContaining(['/config/auth must be string']) });
  });

  it('rejects a config.auth string outside the enum, naming the field and the allowed values', () => {
    const result = validateCreateRequest(withConfig({ auth: 'basic' }));

    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors.join('\n')).toContain(
      '/config/auth must be equal to one of the allowed values ("oauth_2", "personal_access_token")',
    );
  });

  it('rejects config.base_url outside "" and "gitlab.com"', () => {
    expect(validateCreateRequest(withConfig({ base_url: 'https://gitlab.com' })).valid).toBe(false);
    expect(validateCreateRequest(withConfig({ base_url: 'gitlab.com' })).valid).toBe(true);
  });

  it("rejects sync_frequency as a string, as the definition's enum is written", () => {
    const result = validateCreateRequest({ ...DOCUMENTED_CREATE_REQUEST, sync_frequency: '1440' });

    expect(result).toEqual({ valid: false, errors: expect.arrayContaining(['/sync_frequency must be integer']) });
  });

  it('rejects an integer sync_frequency that is not one of the allowed frequencies', () => {
    const result = validateCreateRequest({ ...DOCUMENTED_CREATE_REQUEST, sync_frequency: 7 });

    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors[0]).toMatch(/^\/sync_frequency must be equal to one of the allowed values/);
  });

  it('requires group_id, service and config.schema', () => {
    const { group_id: _group, service: _service, ...rest } = DOCUMENTED_CREATE_REQUEST;
    const result = validateCreateRequest({ ...rest, config: { auth: 'oauth_2' } });

    expect(result).toEqual({
      valid: false,
      errors: expect.arrayContaining([
        "/ must have required property 'group_id'",
        "/ must have required property 'service'",
        "/config must have required property 'schema'",
      ]),
    });
  });

  it('accepts unknown top-level fields, because the definition does not forbid additional properties', () => {
    expect(validateCreateRequest({ ...DOCUMENTED_CREATE_REQUEST, not_in_the_definition: 1 })).toEqual({ valid: true });
  });

  it('finds the secret fields from format: password in the definition', () => {
    expect(createRequestSecretPaths.map((path) => path.join('.')).sort()).toEqual([
      'auth.access_token',
      'auth.client_access.client_secret',
      'auth.refresh_token',
      'config.client_certificate',
      'config.client_private_key',
      'config.personal_access_token',
    ]);
  });
});

describe('response validators', () => {
  it('reject a create envelope whose data misses required connection fields', () => {
    const result = validateCreateResponse({ code: 'Success', message: 'Connection has been created', data: { id: 'x' } });

    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors).toContain("/data must have required property 'group_id'");
  });

  it('reject a list whose items lack connected_by, which ConnectorResponse requires', () => {
    const item = {
      id: 'a',
      group_id: 'g',
      service: 'gitlab',
      schema: 's',
      paused: false,
      pause_after_trial: false,
      schedule_type: 'auto',
      sync_frequency: 360,
      created_at: '2024-12-01T15:43:29.013729Z',
      status: { setup_state: 'connected', sync_state: 'scheduled', update_state: 'on_schedule', is_historical_sync: true },
    };

    expect(validateListResponse({ code: 'Success', data: { items: [{ ...item, connected_by: 'u' }] } })).toEqual({ valid: true });
    expect(validateListResponse({ code: 'Success', data: { items: [item] } }).valid).toBe(false);
  });

  it('hold errors to {code: string, message: string}', () => {
    expect(validateErrorResponse({ code: 'NotFound_Group', message: 'Group not found' })).toEqual({ valid: true });
    expect(validateErrorResponse({ code: 404, message: 'x' }).valid).toBe(false);
    expect(validateErrorResponse({ error: 'x' }).valid).toBe(false);
  });

  it("hold the Connect Card route to the definition: Fivetran's documented answer passes, one without connector_id does not", () => {
    // The answer of Fivetran's "Connect Cards" guide, with its token shortened.
    const documented = {
      code: 'Success',
      message: 'Connection Connect Card has been created',
      data: {
        connector_id: 'speak_inexpensive',
        connect_card: { token: 'eyJ0eXAiOiJKV1Qi.eyJkIjp7.YUMGUbzx', uri: 'https://fivetran.com/connect-card/setup?auth=eyJ0eXAiOiJKV1Qi' },
        connect_card_config: { redirect_uri: 'https://your.site/path', hide_setup_guide: true },
      },
    };
    const { connector_id: _missing, ...withoutId } = documented.data;

    expect(validateConnectCardResponse(documented)).toEqual({ valid: true });
    expect(validateConnectCardResponse({ ...documented, data: withoutId }).valid).toBe(false);
    expect(validateConnectCardRequest({ connect_card_config: { redirect_uri: 'https://your.site/path' } })).toEqual({ valid: true });
    expect(validateConnectCardRequest({ connect_card_config: { hide_setup_guide: true } }).valid).toBe(false);
    expect(validateConnectCardRequest({}).valid).toBe(false);
  });
});
