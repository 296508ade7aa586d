import { z } from 'zod';

/**
 * The provisioning request: the body of Fivetran's `POST /v1/connections` for
 * `service: "gitlab"` with every secret value taken out, plus a `requestId`
 * and a reference to the Secrets Manager secret that holds the credentials.
 *
 * Enums and ranges follow `gitlab_NewConnectorRequestV1` in Fivetran's OpenAPI
 * definition; objects are strict so a misspelt field is refused by path rather
 * than silently dropped before it reaches Fivetran.
 */

/** Bumped when a change to the request contract is not backwards compatible. */
export const REQUEST_SCHEMA_VERSION = '1';
/**
 * The SQS message attribute that carries the version a producer wrote the
 * request for. Optional: a message without it is read as the current version.
 */
export const REQUEST_SCHEMA_VERSION_ATTRIBUTE = 'requestSchemaVersion';

const SYNC_FREQUENCIES = [1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440] as const;

/** Fivetran schema names: lowercase letters, digits and `_`, not starting with a digit. */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;

const inlineSecretRefused = (secretKey: string) =>
  z
    .never({
      error: `is a secret value and is not accepted in a request: put "${secretKey}" in the credentials secret named by credentialsSecretId`,
    })
    .optional();

/** Fivetran identifiers (groups, agents, links) go into URL paths; keep them to safe characters. */
const fivetranId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'must be 1 to 128 of A-Za-z0-9_-' });

export const gitlabConfigSchema = z.strictObject({
  schema: z
    .string({ error: 'is required: the destination schema name' })
    .max(128)
    .regex(SCHEMA_NAME_PATTERN, {
      error: 'must be lowercase letters, digits and _, not starting with a digit',
    }),
  auth: z.enum(['oauth_2', 'personal_access_token']).optional(),
  base_url: z.enum(['', 'gitlab.com']).optional(),
  custom_base_url: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^\S+$/, { error: 'must be a host name such as gitlab.example.com, with no spaces' })
    .optional(),
  enable_mtls_connection: z.enum(['true', 'false']).optional(),
  personal_access_token: inlineSecretRefused('personal_access_token'),
  client_certificate: inlineSecretRefused('client_certificate'),
  client_private_key: inlineSecretRefused('client_private_key'),
});

export const gitlabAuthSchema = z.strictObject({
  access_token: inlineSecretRefused('access_token'),
  refresh_token: inlineSecretRefused('refresh_token'),
  client_access: z
    .strictObject({
      client_id: z.string().min(1).max(1024).optional(),
      client_secret: inlineSecretRefused('client_secret'),
    })
    .optional(),
});

export const connectCardConfigSchema = z.strictObject({
  redirect_uri: z
    .string()
    .max(2048)
    .regex(/^https?:\/\/\S+$/, { error: 'must start with https:// or http://' }),
  hide_setup_guide: z.boolean().optional(),
  all_fields: z.boolean().optional(),
});

export const gitlabConnectionSchema = z
  .strictObject({
    group_id: fivetranId,
    service: z.literal('gitlab', { error: 'must be "gitlab": this provisioner creates GitLab connections only' }),
    trust_certificates: z.boolean().optional(),
    trust_fingerprints: z.boolean().optional(),
    run_setup_tests: z.boolean().optional(),
    paused: z.boolean().optional(),
    pause_after_trial: z.boolean().optional(),
    sync_frequency: z
      .union(SYNC_FREQUENCIES.map((minutes) => z.literal(minutes)), {
        error: `must be one of ${SYNC_FREQUENCIES.join(', ')} (minutes)`,
      })
      .optional(),
    data_delay_sensitivity: z.enum(['LOW', 'NORMAL', 'HIGH', 'CUSTOM', 'SYNC_FREQUENCY']).optional(),
    data_delay_threshold: z.int().min(0).max(2_147_483_647).optional(),
    daily_sync_time: z
      .string()
      .regex(/^([01][0-9]|2[0-3]):00$/, { error: 'must be a whole hour from 00:00 to 23:00' })
      .optional(),
    schedule_type: z.enum(['auto', 'manual']).optional(),
    connect_card_config: connectCardConfigSchema.optional(),
    proxy_agent_id: fivetranId.optional(),
    private_link_id: fivetranId.optional(),
    networking_method: z.enum(['Directly', 'PrivateLink', 'SshTunnel', 'ProxyAgent']).optional(),
    hybrid_deployment_agent_id: fivetranId.optional(),
    destination_configuration: z.strictObject({ virtual_warehouse: z.string().min(1).max(256).optional() }).optional(),
    destination_schema_names: z.enum(['FIVETRAN_NAMING', 'SOURCE_NAMING']).optional(),
    external_secrets_manager_id: fivetranId.optional(),
    config: gitlabConfigSchema,
    auth: gitlabAuthSchema.optional(),
  })
  .check((ctx) => {
    const { daily_sync_time, sync_frequency } = ctx.value;
    // Fivetran only honours a daily sync time on the daily schedule; refuse rather than let it be ignored.
    if (daily_sync_time !== undefined && sync_frequency !== undefined && sync_frequency !== 1440) {
      ctx.issues.push({
        code: 'custom',
        input: daily_sync_time,
        path: ['daily_sync_time'],
        message: 'is only allowed with sync_frequency 1440',
      });
    }
  });

/** Secrets Manager names and ARNs: the characters Secrets Manager itself allows, plus ARN punctuation. */
const secretReference = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9/_+=.@:-]+$/, { error: 'must be a Secrets Manager secret name or ARN' });

export const requestContextSchema = z.strictObject({
  correlationId: z.string().min(1).max(256).optional(),
  requestedBy: z.string().min(1).max(256).optional(),
});

export const provisioningRequestSchema = z
  .strictObject({
    requestId: z
      .string({ error: 'is required' })
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'must be 1 to 128 of A-Za-z0-9._:-' }),
    connection: gitlabConnectionSchema,
    credentialsSecretId: secretReference.optional(),
    context: requestContextSchema.optional(),
  })
  .check((ctx) => {
    const { connection, credentialsSecretId } = ctx.value;
    if (credentialsSecretId === undefined && connection.connect_card_config === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: undefined,
        path: ['credentialsSecretId'],
        message: 'is required unless connection.connect_card_config is given (connect-card requests carry no credentials)',
      });
    }
  });

export type GitlabConnection = z.infer<typeof gitlabConnectionSchema>;
export type ProvisioningRequest = z.infer<typeof provisioningRequestSchema>;
export type RequestContext = z.infer<typeof requestContextSchema>;
