/**
 * Turns an accepted GitLab create request into the connection Fivetran would report:
 * defaults filled in, setup tests "run", secrets masked, connect card issued.
 */
import { createRequestSecretPaths, gitlabConfigFields, MASKED_SECRET } from './contract';
import type { SeededRandom } from './prng';
import { runSetupTests } from './setup-tests';
import type { GitlabConnectionData } from './types';

export const DEFAULT_SYNC_FREQUENCY_MINUTES = 360;
/** Fivetran's GitLab connector version is not documented; any integer satisfies the contract. */
const GITLAB_SERVICE_VERSION = 1;

/** The fields of a create body (already validated against the contract) that the sandbox reads. */
export interface GitlabCreateRequest {
  group_id: string;
  service: string;
  run_setup_tests?: boolean;
  paused?: boolean;
  pause_after_trial?: boolean;
  sync_frequency?: number;
  data_delay_sensitivity?: string;
  data_delay_threshold?: number;
  daily_sync_time?: string;
  schedule_type?: string;
  connect_card_config?: { redirect_uri: string; hide_setup_guide?: boolean; all_fields?: boolean };
  proxy_agent_id?: string;
  private_link_id?: string;
  networking_method?: string;
  hybrid_deployment_agent_id?: string;
  destination_configuration?: Record<string, unknown>;
  destination_schema_names?: string;
  config?: Record<string, unknown>;
  auth?: { access_token?: string; refresh_token?: string; client_access?: { client_id?: string; client_secret?: string } };
}

export interface NewConnectionIdentity {
  id: string;
  createdAt: string;
  connectedBy: string;
  /** Issued only when the request has `connect_card_config`. */
  connectCardToken: string;
}

/** Builds the `gitlab_ConnectorResponseV1` a create answers with; never copies a secret value. */
export function buildConnectionData(request: GitlabCreateRequest, identity: NewConnectionIdentity): GitlabConnectionData {
  const paused = request.paused ?? false;
  const setupTests = request.run_setup_tests === false ? undefined : runSetupTests({ config: request.config, auth: request.auth });
  const testsPassed = setupTests?.every((test) => test.status === 'PASSED');
  const usesConnectCard = request.connect_card_config !== undefined;

  const data: GitlabConnectionData = {
    id: identity.id,
    group_id: request.group_id,
    service: 'gitlab',
    service_version: GITLAB_SERVICE_VERSION,
    schema: String(request.config?.schema),
    connected_by: identity.connectedBy,
    created_at: identity.createdAt,
    paused,
    pause_after_trial: request.pause_after_trial ?? false,
    sync_frequency: request.sync_frequency ?? DEFAULT_SYNC_FREQUENCY_MINUTES,
    schedule_type: request.schedule_type ?? 'auto',
    data_delay_sensitivity: request.data_delay_sensitivity ?? 'NORMAL',
    data_delay_threshold: request.data_delay_threshold ?? 0,
    networking_method: request.networking_method ?? 'Directly',
    status: {
      // Untested or card-pending connections stay incomplete until their owner finishes setup.
      setup_state: testsPassed && !usesConnectCard ? 'connected' : 'incomplete',
      sync_state: paused ? 'paused' : 'scheduled',
      update_state: 'on_schedule',
      is_historical_sync: true,
      tasks: [],
      warnings: [],
    },
    config: maskedConfig(request.config ?? {}),
  };
  copyDefined(request, data, [
    'daily_sync_time',
    'proxy_agent_id',
    'private_link_id',
    'hybrid_deployment_agent_id',
    'destination_schema_names',
    'destination_configuration',
  ]);
  if (setupTests !== undefined) data.setup_tests = setupTests;
  if (request.connect_card_config !== undefined) {
    data.connect_card_config = { ...request.connect_card_config };
    data.connect_card = { token: identity.connectCardToken, uri: connectCardUri(request.connect_card_config, identity.connectCardToken) };
  }
  return data;
}

/** `GET /v1/connections/{id}` data: the connect card is only handed out once, by the create. */
export function toConnectionDetails(data: GitlabConnectionData): Omit<GitlabConnectionData, 'connect_card'> {
  const { connect_card: _issuedOnce, ...details } = data;
  return details;
}

/**
 * A list item (`ConnectorResponse`). The definition types its `config` values as objects,
 * which GitLab's string values are not, so list items leave the optional `config` out.
 */
export function toListItem(data: GitlabConnectionData): Omit<GitlabConnectionData, 'config' | 'connect_card'> {
  const { config: _config, connect_card: _connectCard, ...item } = data;
  return item;
}

/** Every secret string in a create body (wherever the definition says `format: password`). */
export function secretValuesOf(body: unknown): string[] {
  const values: string[] = [];
  for (const path of createRequestSecretPaths) {
    let node: unknown = body;
    for (const key of path) node = isRecord(node) ? node[key] : undefined;
    if (typeof node === 'string' && node !== '') values.push(node);
  }
  return values;
}

/** Declared config fields only, secrets masked: an unknown field could be a secret under another name. */
export function maskedConfig(config: Record<string, unknown>): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const { name, secret } of gitlabConfigFields) {
    const value = config[name];
    if (typeof value === 'string') masked[name] = secret ? MASKED_SECRET : value;
  }
  return masked;
}

/** The URI a Connect Card is opened with: Fivetran's setup page with the token and the card's options. */
export function connectCardUri(config: NonNullable<GitlabCreateRequest['connect_card_config']>, token: string): string {
  const query = new URLSearchParams({ redirect_uri: config.redirect_uri, auth: token });
  if (config.hide_setup_guide !== undefined) query.set('hide_setup_guide', String(config.hide_setup_guide));
  return `https://fivetran.com/connect-card/setup?${query.toString()}`;
}

function copyDefined<K extends keyof GitlabCreateRequest & keyof GitlabConnectionData>(
  from: GitlabCreateRequest,
  to: GitlabConnectionData,
  keys: readonly K[],
): void {
  for (const key of keys) {
    if (from[key] !== undefined) (to as unknown as Record<string, unknown>)[key] = structuredClone(from[key]);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Looks like the short-lived JWT of a connect card; signs nothing. */
export function fakeJwt(random: SeededRandom, connectionId: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signature = Array.from({ length: 32 }, () => random.integer(0, 255).toString(16).padStart(2, '0')).join('');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: connectionId, scope: 'connect_card' })}.${Buffer.from(signature, 'hex').toString('base64url')}`;
}
