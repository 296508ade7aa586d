import * as z from 'zod/mini';
import '../runtime/zod-setup';

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

/** DNS labels of letters, digits and hyphens, dot-separated, with an optional port. */
const HOST_NAME =
  /^(?=.{1,253}(?::\d{1,5})?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

const inlineSecretRefused = (secretKey: string) =>
  z.optional(
    z.never({
      error: `is a secret value and is not accepted in a request: put "${secretKey}" in the credentials secret named by credentialsSecretId`,
    }),
  );

const pattern = (regex: RegExp, error: string) => z.string().check(z.regex(regex, { error }));
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

/** Fivetran identifiers (groups, agents, links) go into URL paths; keep them to safe characters. */
export const fivetranIdSchema = pattern(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1 to 128 of A-Za-z0-9_-');

export const gitlabConfigSchema = z.strictObject({
  schema: z
    .string({ error: 'is required: the destination schema name' })
    .check(z.maxLength(128), z.regex(SCHEMA_NAME_PATTERN, { error: 'must be lowercase letters, digits and _, not starting with a digit' })),
  auth: z.optional(z.enum(['oauth_2', 'personal_access_token'])),
  base_url: z.optional(z.enum(['', 'gitlab.com'])),
  // A host (and port), never a URL: a URL could carry a user and password, and they would reach
  // Fivetran in a field that is not treated as a secret.
  custom_base_url: z.optional(
    z.string().check(
      z.maxLength(253),
      z.regex(HOST_NAME, {
        error: 'must be a host name such as gitlab.example.com (optionally :port), with no scheme, path or credentials',
      }),
    ),
  ),
  enable_mtls_connection: z.optional(z.enum(['true', 'false'])),
  personal_access_token: inlineSecretRefused('personal_access_token'),
  client_certificate: inlineSecretRefused('client_certificate'),
  client_private_key: inlineSecretRefused('client_private_key'),
});

export const gitlabAuthSchema = z.strictObject({
  access_token: inlineSecretRefused('access_token'),
  refresh_token: inlineSecretRefused('refresh_token'),
  client_access: z.optional(
    z.strictObject({
      client_id: z.optional(text(1, 1024)),
      client_secret: inlineSecretRefused('client_secret'),
    }),
  ),
});

/** Control, invisible and bidirectional-formatting characters: they make a URL read differently from where it leads. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose.
const UNSAFE_URL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/;

/**
 * Where the connect card sends the end user back. It is published in the
 * event (inside the connect card's URI), so it may carry no user name or
 * password, and nothing that hides what it says.
 */
const redirectUri = z.string().check(
  z.maxLength(2048),
  z.regex(/^https?:\/\/\S+$/, { error: 'must start with https:// or http://' }),
  z.refine((value: string) => !UNSAFE_URL_CHARACTERS.test(value), {
    error: 'must not contain control, invisible or bidirectional-formatting characters',
  }),
  z.refine((value: string) => URL.canParse(value) && new URL(value).username === '' && new URL(value).password === '', {
    error: 'must be a valid URL with no user name or password (a user:token@ part would be published)',
  }),
);

export const connectCardConfigSchema = z.strictObject({
  redirect_uri: redirectUri,
  hide_setup_guide: z.optional(z.boolean()),
  all_fields: z.optional(z.boolean()),
});

export const gitlabConnectionSchema = z
  .strictObject({
    group_id: fivetranIdSchema,
    service: z.literal('gitlab', { error: 'must be "gitlab": this provisioner creates GitLab connections only' }),
    trust_certificates: z.optional(z.boolean()),
    trust_fingerprints: z.optional(z.boolean()),
    run_setup_tests: z.optional(z.boolean()),
    paused: z.optional(z.boolean()),
    pause_after_trial: z.optional(z.boolean()),
    sync_frequency: z.optional(
      z.union(
        SYNC_FREQUENCIES.map((minutes) => z.literal(minutes)),
        { error: `must be one of ${SYNC_FREQUENCIES.join(', ')} (minutes)` },
      ),
    ),
    data_delay_sensitivity: z.optional(z.enum(['LOW', 'NORMAL', 'HIGH', 'CUSTOM', 'SYNC_FREQUENCY'])),
    data_delay_threshold: z.optional(z.int().check(z.minimum(0), z.maximum(2_147_483_647))),
    daily_sync_time: z.optional(pattern(/^([01][0-9]|2[0-3]):00$/, 'must be a whole hour from 00:00 to 23:00')),
    schedule_type: z.optional(z.enum(['auto', 'manual'])),
    connect_card_config: z.optional(connectCardConfigSchema),
    proxy_agent_id: z.optional(fivetranIdSchema),
    private_link_id: z.optional(fivetranIdSchema),
    networking_method: z.optional(z.enum(['Directly', 'PrivateLink', 'SshTunnel', 'ProxyAgent'])),
    hybrid_deployment_agent_id: z.optional(fivetranIdSchema),
    destination_configuration: z.optional(z.strictObject({ virtual_warehouse: z.optional(text(1, 256)) })),
    destination_schema_names: z.optional(z.enum(['FIVETRAN_NAMING', 'SOURCE_NAMING'])),
    external_secrets_manager_id: z.optional(fivetranIdSchema),
    config: gitlabConfigSchema,
    auth: z.optional(gitlabAuthSchema),
  })
  .check((ctx) => {
    const { daily_sync_time, sync_frequency, connect_card_config, run_setup_tests } = ctx.value;
    // Fivetran's connect-card guide: the connection has no credentials yet, so its setup tests must not run.
    if (connect_card_config !== undefined && run_setup_tests === true) {
      ctx.issues.push({
        code: 'custom',
        input: run_setup_tests,
        path: ['run_setup_tests'],
        message: 'must be false (or absent) with connect_card_config: the end user enters the credentials in the Connect Card later',
      });
    }
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
export const secretReferenceSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(2048), z.regex(/^[A-Za-z0-9/_+=.@:-]+$/, { error: 'must be a Secrets Manager secret name or ARN' }));

export const requestContextSchema = z.strictObject({
  correlationId: z.optional(text(1, 256)),
  requestedBy: z.optional(text(1, 256)),
});

/** Request ids travel in events, logs and ledger keys: keep them to safe characters. */
export const requestIdSchema = z
  .string({ error: 'is required' })
  .check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'must be 1 to 128 of A-Za-z0-9._:-' }));

export const provisioningRequestSchema = z
  .strictObject({
    requestId: requestIdSchema,
    /** Optional: a request without an action is a create, as every request was before actions existed. */
    action: z.optional(z.literal('create', { error: 'must be one of create, update, pause, resume, reapply_credentials, decommission' })),
    connection: gitlabConnectionSchema,
    credentialsSecretId: z.optional(secretReferenceSchema),
    context: z.optional(requestContextSchema),
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
