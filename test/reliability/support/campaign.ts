import { type SeededRandom, seededRandom } from '../../../local/fivetran-sandbox/prng';
import { CREDENTIALS_PREFIX, REGION, type SentMessage } from '../../../local/world/pipeline';
import type { FailureCode } from '../../../shared/contracts/error-codes';
import type { Markers } from './markers';

/**
 * The requests of a fault campaign, drawn from a seed: mostly valid requests
 * (every authorization method, names and ARNs as references), plus a few whose
 * outcome is known in advance, so that every kind of terminal outcome occurs:
 * a group Fivetran does not have, a schema another service holds, a missing
 * credentials secret (each a non-retryable failure), and a group whose listing
 * Fivetran never answers (the dead-letter queue).
 */

export type RequestKind = 'provision' | 'group-not-found' | 'schema-taken' | 'credentials-not-found' | 'outage';

/** The only non-retryable code a request of each kind may end with. */
export const PERMANENT_FAILURE_OF: Record<RequestKind, FailureCode | undefined> = {
  provision: undefined,
  'group-not-found': 'GROUP_NOT_FOUND',
  'schema-taken': 'SCHEMA_TAKEN',
  'credentials-not-found': 'CREDENTIALS_NOT_FOUND',
  outage: undefined,
};

export const CAMPAIGN_GROUPS = ['group_a', 'group_b', 'group_c'];
/** Every listing of this group answers 503: a partial Fivetran outage that outlives every delivery. */
export const OUTAGE_GROUP = 'group_outage';
const MISSING_GROUP = 'group_missing';
/** Teams with a personal access token; each files one secret per group it provisions into. */
const PAT_TEAMS = 6;

export interface CampaignRequest {
  requestId: string;
  kind: RequestKind;
  groupId: string;
  schema: string;
  body: Record<string, unknown>;
}

export interface PlannedMessage extends SentMessage {
  requestId: string;
}

export interface CampaignPlan {
  requests: CampaignRequest[];
  /** In sending order; duplicated requests appear twice. */
  messages: PlannedMessage[];
  /** Secrets Manager: name → SecretString (the credentials secrets). */
  secrets: Record<string, string>;
  /** Connections of another service that exist before the campaign. */
  seeded: Array<{ groupId: string; schema: string; service: string }>;
  markers: Markers;
}

export interface CampaignShape {
  seed: number;
  requests: number;
  /** Share of the requests sent as two messages. */
  duplicateShare: number;
  /** The account of the queue (and so of the function), for ARN references. */
  accountId: string;
  /** Where the secret values get their markers. */
  markers: Markers;
  /** Whether some requests are request faults (unknown group, taken schema, missing secret) or meet an outage. Default true. */
  requestFaults?: boolean;
}

const SPECIAL_KINDS: Array<[RequestKind, number]> = [
  ['group-not-found', 8],
  ['schema-taken', 6],
  ['credentials-not-found', 6],
  ['outage', 6],
];

export function planCampaign(shape: CampaignShape): CampaignPlan {
  const random = seededRandom(shape.seed);
  const { markers } = shape;
  const secrets: Record<string, string> = {};
  // Credentials are bound to their Fivetran group: each team's secret is filed under the group of the
  // requests that use it, made (with its own markers) the first time a request of that group needs it.
  const filed = (groupId: string, name: string, value: (label: string) => Record<string, string>): string => {
    const secretId = `${CREDENTIALS_PREFIX}${groupId}/${name}`;
    // Secrets of the groups Fivetran does not have, or never answers for, never reach a create.
    const reachesFivetran = groupId !== MISSING_GROUP && groupId !== OUTAGE_GROUP;
    secrets[secretId] ??= JSON.stringify(value(`${reachesFivetran ? '' : 'unreached '}${name}@${groupId}`));
    return secretId;
  };
  const patTeam = (i: number, groupId: string) =>
    filed(groupId, `pat-${i}`, (label) => ({ personal_access_token: `glpat-${markers.next(label)}` }));
  const mtlsTeam = (i: number, groupId: string) =>
    filed(groupId, `mtls-${i}`, (label) => ({
      personal_access_token: `glpat-${markers.next(`${label} token`)}`,
      client_certificate: `-----BEGIN CERTIFICATE-----${markers.next(`${label} certificate`)}-----END CERTIFICATE-----`,
      client_private_key: pem('PRIVATE KEY', markers.next(`${label} key`, 1_624)),
    }));
  const oauthTeam = (i: number, groupId: string) =>
    filed(groupId, `oauth-${i}`, (label) => ({
      access_token: `gloas-${markers.next(`${label} access`)}`,
      refresh_token: `glrt-${markers.next(`${label} refresh`)}`,
      client_id: `client-${i}`,
      client_secret: `gloas-secret-${markers.next(`${label} client secret`)}`,
    }));

  const kinds: RequestKind[] = [];
  if (shape.requestFaults ?? true) for (const [kind, count] of SPECIAL_KINDS) kinds.push(...Array<RequestKind>(count).fill(kind));
  while (kinds.length < shape.requests) kinds.push('provision');
  shuffle(kinds, random);

  const seeded: CampaignPlan['seeded'] = [];
  const requests = kinds.map((kind, index): CampaignRequest => {
    const requestId = `cmp-${String(index).padStart(3, '0')}`;
    const schema = kind === 'schema-taken' ? `taken_${index}` : `cmp_${index}`;
    const groupId =
      kind === 'group-not-found' ? MISSING_GROUP : kind === 'outage' ? OUTAGE_GROUP : CAMPAIGN_GROUPS[index % CAMPAIGN_GROUPS.length]!;
    if (kind === 'schema-taken') seeded.push({ groupId, schema, service: 'github' });
    const connection: Record<string, unknown> = {
      group_id: groupId,
      service: 'gitlab',
      run_setup_tests: true,
      sync_frequency: 1440,
      daily_sync_time: '03:00',
      destination_schema_names: 'SOURCE_NAMING',
    };
    let credentialsSecretId: string | undefined;
    const method = kind === 'provision' ? index % 10 : 0;
    if (method <= 4) {
      connection.config = { schema, auth: 'personal_access_token', base_url: 'gitlab.com' };
      credentialsSecretId = patTeam(index % PAT_TEAMS, groupId);
    } else if (method === 5) {
      // The full ARN of a secret in the function's own account and region is as good as its name.
      connection.config = { schema, auth: 'personal_access_token', base_url: '', custom_base_url: 'gitlab.example.com' };
      credentialsSecretId = `arn:aws:secretsmanager:${REGION}:${shape.accountId}:secret:${patTeam(index % PAT_TEAMS, groupId)}-AbCdEf`;
    } else if (method === 6 || method === 7) {
      connection.config = {
        schema,
        auth: 'personal_access_token',
        base_url: '',
        custom_base_url: 'gitlab.example.com',
        enable_mtls_connection: 'true',
      };
      credentialsSecretId = mtlsTeam(index % 2, groupId);
    } else if (method === 8) {
      connection.config = { schema, auth: 'oauth_2', base_url: 'gitlab.com' };
      credentialsSecretId = oauthTeam(Math.floor(index / 10) % 2, groupId);
    } else {
      connection.paused = true;
      // Fivetran's connect-card guide: no setup tests before the end user has entered credentials.
      delete connection.run_setup_tests;
      connection.connect_card_config = { redirect_uri: 'https://portal.example.com/fivetran/done' };
      connection.config = { schema };
    }
    if (kind === 'credentials-not-found') credentialsSecretId = `${CREDENTIALS_PREFIX}${groupId}/never-created-${index}`;
    const body: Record<string, unknown> = {
      requestId,
      connection,
      ...(credentialsSecretId === undefined ? {} : { credentialsSecretId }),
      context: { correlationId: `corr-${index}`, requestedBy: 'fault-campaign' },
    };
    return { requestId, kind, groupId, schema, body };
  });

  const duplicated = new Set(
    shuffle(
      requests.map((_, index) => index),
      random,
    ).slice(0, Math.round(shape.requests * shape.duplicateShare)),
  );
  const messages: PlannedMessage[] = requests.flatMap((request, index) => {
    const message = { requestId: request.requestId, body: JSON.stringify(request.body) };
    return duplicated.has(index) ? [message, { ...message }] : [message];
  });
  shuffle(messages, random);
  return { requests, messages, secrets, seeded, markers };
}

/** The Fivetran API key, marked like every other secret. */
export function markedApiKey(markers: Markers): { apiKey: string; apiSecret: string } {
  return { apiKey: `key-${markers.next('API key id')}`, apiSecret: `secret-${markers.next('API key secret')}` };
}

/** A PEM block, its body in lines of 64 characters, as a real key is stored. */
function pem(kind: string, body: string): string {
  return `-----BEGIN ${kind}-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END ${kind}-----\n`;
}

export function shuffle<T>(items: T[], random: SeededRandom): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = random.integer(0, index);
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}
