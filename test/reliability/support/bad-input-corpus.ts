import type { FailureCode } from '../../../shared/contracts/error-codes';

/**
 * Malformed provisioning requests, each with the error code it must get and
 * the text its failure message must hold to name what is wrong (for
 * INVALID_REQUEST, the field's path followed by a colon). Every case is a
 * row of a table: `[name, what to do to a valid request (or the raw body),
 * code, field named]`. Each case has its own requestId and schema, so its
 * outcome can be told apart in a batch.
 *
 * Secret values planted in a case (inline in the body, or in a secret it
 * references) carry a marker: none may appear in its event or in any log.
 */

export interface CorpusContext {
  prefix: string;
  accountId: string;
  region: string;
  apiKeySecretId: string;
  /** A group Fivetran has. */
  groupId: string;
  marker(label: string): string;
}

export interface BadInput {
  name: string;
  body: string;
  /** SQS message attributes. */
  attributes?: Record<string, string>;
  code: FailureCode;
  /** The failure message must contain this. */
  names: string;
  /** Secrets Manager state the case needs: name → SecretString. */
  secrets?: Record<string, string>;
  /** A connection of another service to create first, holding the case's schema. */
  takenBy?: string;
  /** Secret values planted in the case. */
  planted: string[];
  requestId: string;
  schema: string;
  groupId: string;
}

/** A request the worker must accept although it holds unusual text, and what it must echo. */
export interface AcceptedInput {
  name: string;
  body: string;
  requestId: string;
  schema: string;
  context: Record<string, string>;
}

type Json = Record<string, any>;
type Mutation = (request: Json, id: Ids) => undefined | string;
interface Ids {
  requestId: string;
  schema: string;
}

/** The name of the secret every otherwise-valid case references; it holds a personal access token. */
export const CORPUS_SECRET = 'corpus-valid';

/** Where the corpus secret is filed: credentials are bound to their Fivetran group. */
export function corpusSecretId(context: Pick<CorpusContext, 'prefix' | 'groupId'>, groupId = context.groupId): string {
  return `${context.prefix}${groupId}/${CORPUS_SECRET}`;
}

export function badInputCorpus(context: CorpusContext): BadInput[] {
  const { prefix } = context;
  const arn = (name: string, account = context.accountId, region = context.region, partition = 'aws') =>
    `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`;
  const cases: BadInput[] = [];
  let sequence = 0;

  const base = (ids: Ids): Json => ({
    requestId: ids.requestId,
    connection: {
      group_id: context.groupId,
      service: 'gitlab',
      run_setup_tests: true,
      sync_frequency: 1440,
      daily_sync_time: '14:00',
      destination_schema_names: 'SOURCE_NAMING',
      config: { schema: ids.schema, auth: 'personal_access_token', base_url: 'gitlab.com' },
    },
    credentialsSecretId: corpusSecretId(context),
    context: { correlationId: `corr-${ids.requestId}`, requestedBy: 'bad-input-corpus' },
  });
  const add = (
    name: string,
    change: Mutation | { raw: string },
    code: FailureCode,
    names: string,
    extra: Partial<Pick<BadInput, 'attributes' | 'secrets' | 'takenBy' | 'planted'>> = {},
  ) => {
    sequence += 1;
    const n = String(sequence).padStart(3, '0');
    const ids = { requestId: `bad-${n}`, schema: `bad_${n}` };
    let body: string;
    let groupId = context.groupId;
    if ('raw' in change) {
      body = change.raw;
    } else {
      const request = base(ids);
      const replaced = change(request, ids);
      groupId = typeof request.connection?.group_id === 'string' ? request.connection.group_id : groupId;
      body = typeof replaced === 'string' ? replaced : JSON.stringify(request);
    }
    cases.push({ name, body, code, names, planted: [], ...extra, ...ids, groupId });
  };
  /** A field path is named as "path:"; other text (such as "not JSON") as it is. */
  const invalid = (name: string, change: Mutation | { raw: string }, field: string, extra?: Parameters<typeof add>[4]) =>
    add(name, change, 'INVALID_REQUEST', /^[A-Za-z_][\w.]*$/.test(field) ? `${field}:` : field, extra);
  const set =
    (path: string, value: unknown): Mutation =>
    (request) =>
      void assign(request, path, value);
  const remove =
    (path: string): Mutation =>
    (request) =>
      void assign(request, path, undefined, true);
  const secretValue = (label: string) => `glpat-${context.marker(label)}`;

  // Not JSON at all.
  for (const [name, raw] of [
    ['plain text', 'please create a gitlab connection'],
    ['truncated JSON', '{"requestId": "bad-x", "connection": {'],
    ['single-quoted JSON', "{'requestId': 'bad-x'}"],
    ['a trailing comma', '{"requestId": "bad-x",}'],
    ['a byte order mark before the JSON', '\uFEFF{"requestId": "bad-x"}'],
    ['XML', '<request><requestId>bad-x</requestId></request>'],
    ['JSON with a comment', '{"requestId": "bad-x" /* team a */}'],
    ['NaN', '{"requestId": NaN}'],
    ['two JSON objects', '{}{}'],
    ['YAML', 'requestId: bad-x\nconnection:\n  group_id: g\n'],
  ] as const) {
    invalid(`not JSON: ${name}`, { raw }, 'not JSON');
  }

  // JSON, but not an object, or a field of the wrong type.
  for (const [name, raw] of [
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"create gitlab please"'],
    ['a number', '42'],
    ['true', 'true'],
  ] as const) {
    invalid(`wrong type: the body is ${name}`, { raw }, 'body');
  }
  invalid('wrong type: an array holding a valid request', (request) => JSON.stringify([request]), 'body');
  invalid('wrong type: a valid request encoded twice, as a JSON string', (request) => JSON.stringify(JSON.stringify(request)), 'body');
  for (const [path, value] of [
    ['requestId', 17],
    ['requestId', null],
    ['connection', []],
    ['connection', 'gitlab'],
    ['connection.config', null],
    ['connection.auth', 'personal_access_token'],
    ['connection.sync_frequency', '1440'],
    ['connection.run_setup_tests', 'true'],
    ['connection.paused', 1],
    ['connection.trust_certificates', 'yes'],
    ['connection.trust_fingerprints', null],
    ['connection.pause_after_trial', 'false'],
    ['connection.data_delay_threshold', '10'],
    ['connection.destination_configuration', 'WAREHOUSE'],
    ['connection.config.enable_mtls_connection', true],
    ['credentialsSecretId', 12345],
    ['credentialsSecretId', { name: corpusSecretId(context) }],
    ['context', 'platform-team'],
  ] as const) {
    invalid(`wrong type: ${path} = ${JSON.stringify(value)}`, set(path, value), path);
  }
  invalid(
    'wrong type: connect_card_config.hide_setup_guide = "true"',
    (request) => {
      request.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/done', hide_setup_guide: 'true' };
    },
    'connection.connect_card_config.hide_setup_guide',
  );
  invalid(
    'wrong type: connect_card_config.all_fields = 1',
    (request) => {
      request.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/done', all_fields: 1 };
    },
    'connection.connect_card_config.all_fields',
  );

  // Each required field missing.
  for (const path of [
    'requestId',
    'connection',
    'connection.group_id',
    'connection.service',
    'connection.config',
    'connection.config.schema',
    'credentialsSecretId',
  ]) {
    invalid(`missing: ${path}`, remove(path), path);
  }
  invalid(
    'missing: connect_card_config.redirect_uri',
    (request) => {
      request.connection.connect_card_config = { hide_setup_guide: true };
    },
    'connection.connect_card_config.redirect_uri',
  );
  invalid('missing: everything (an empty object)', { raw: '{}' }, 'requestId');

  // Each enum and range broken.
  for (const [path, value] of [
    ['connection.service', 'github'],
    ['connection.service', 'GitLab'],
    ['connection.sync_frequency', 10],
    ['connection.sync_frequency', 0],
    ['connection.sync_frequency', 1441],
    ['connection.sync_frequency', 1440.5],
    ['connection.data_delay_sensitivity', 'MEDIUM'],
    ['connection.data_delay_threshold', -1],
    ['connection.data_delay_threshold', 1.5],
    ['connection.data_delay_threshold', 2_147_483_648],
    ['connection.daily_sync_time', '14:30'],
    ['connection.daily_sync_time', '24:00'],
    ['connection.daily_sync_time', '2:00'],
    ['connection.schedule_type', 'cron'],
    ['connection.networking_method', 'VPN'],
    ['connection.destination_schema_names', 'CUSTOM_NAMING'],
    ['connection.config.auth', 'basic'],
    ['connection.config.base_url', 'https://gitlab.com'],
    ['connection.config.enable_mtls_connection', 'yes'],
    ['connection.group_id', ''],
    ['connection.group_id', 'g'.repeat(129)],
    ['connection.group_id', '../connections'],
    ['connection.group_id', 'group?schema=x'],
    ['connection.proxy_agent_id', 'agent one'],
    ['connection.private_link_id', 'l'.repeat(129)],
    ['connection.hybrid_deployment_agent_id', 'agent.one'],
    ['connection.external_secrets_manager_id', ''],
    ['connection.destination_configuration.virtual_warehouse', ''],
    ['connection.destination_configuration.virtual_warehouse', 'w'.repeat(257)],
    ['connection.auth.client_access.client_id', ''],
    ['connection.config.schema', 'Gitlab_Team'],
    ['connection.config.schema', '1gitlab'],
    ['connection.config.schema', 'gitlab-team'],
    ['connection.config.schema', ''],
    ['connection.config.schema', `s${'x'.repeat(128)}`],
    ['connection.config.custom_base_url', ''],
    ['connection.config.custom_base_url', 'gitlab example.com'],
    ['connection.config.custom_base_url', `${'h'.repeat(2049)}`],
    ['requestId', ''],
    ['requestId', 'r'.repeat(129)],
    ['requestId', 'team a'],
    ['requestId', 'team/a'],
    ['context.correlationId', ''],
    ['context.requestedBy', 'p'.repeat(257)],
  ] as const) {
    const shown = typeof value === 'string' && value.length > 40 ? `${value.length} characters` : JSON.stringify(value);
    invalid(`out of range: ${path} = ${shown}`, set(path, value), path);
  }
  invalid(
    'out of range: daily_sync_time with sync_frequency 60',
    (request) => {
      request.connection.sync_frequency = 60;
    },
    'connection.daily_sync_time',
  );
  invalid(
    'out of range: connect_card_config.redirect_uri ftp://',
    (request) => {
      request.connection.connect_card_config = { redirect_uri: 'ftp://portal.example.com/done' };
    },
    'connection.connect_card_config.redirect_uri',
  );
  invalid(
    'out of range: connect_card_config.redirect_uri javascript:',
    (request) => {
      request.connection.connect_card_config = { redirect_uri: 'javascript:alert(1)' };
    },
    'connection.connect_card_config.redirect_uri',
  );
  // Fivetran's connect-card guide: a connection created without credentials runs no setup tests.
  invalid(
    'out of range: run_setup_tests true with connect_card_config',
    (request) => {
      request.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/done' };
    },
    'connection.run_setup_tests',
  );
  for (const [name, redirectUri] of [
    ['a user and token in it', 'https://oauth2:glpat-in-the-url@portal.example.com/done'],
    ['a user name in it', 'https://admin@portal.example.com/done'],
    ['a right-to-left override in it', 'https://portal.example.com/\u202Eenod'],
    ['a zero-width space in it', 'https://portal.example.com\u200B/done'],
    ['a control character in it', 'https://portal.example.com/done\u0007'],
  ] as const) {
    invalid(
      `out of range: connect_card_config.redirect_uri with ${name}`,
      (request) => {
        request.connection.connect_card_config = { redirect_uri: redirectUri };
      },
      'connection.connect_card_config.redirect_uri',
    );
  }
  invalid('out of range: requestSchemaVersion attribute 2', () => undefined, 'request schema version "2"', {
    attributes: { requestSchemaVersion: '2' },
  });
  invalid('out of range: requestSchemaVersion attribute 1.0', () => undefined, 'request schema version "1.0"', {
    attributes: { requestSchemaVersion: '1.0' },
  });

  // Unknown fields, at every level.
  for (const path of [
    'extra',
    'connection.extra',
    'connection.config.extra',
    'connection.auth.extra',
    'connection.auth.client_access.extra',
    'connection.destination_configuration.extra',
    'context.extra',
    'requestID',
    'connection.groupId',
    'connection.config.Schema',
    'connection.config.constructor',
  ]) {
    invalid(`unknown field: ${path}`, set(path, 'x'), path);
  }
  invalid(
    'unknown field: connect_card_config.extra',
    (request) => {
      request.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/done', extra: true };
    },
    'connection.connect_card_config.extra',
  );
  invalid(
    'unknown field: __proto__ at the top',
    (request) => JSON.stringify(request).replace('{', '{"__proto__":{"polluted":true},'),
    '__proto__',
  );
  invalid(
    'unknown field: __proto__ in config',
    (request) => JSON.stringify(request).replace('"schema"', '"__proto__":{"polluted":true},"schema"'),
    'connection.config.__proto__',
  );

  // Secret values inline, wherever one could put them.
  for (const path of [
    'connection.config.personal_access_token',
    'connection.config.client_certificate',
    'connection.config.client_private_key',
    'connection.auth.access_token',
    'connection.auth.refresh_token',
    'connection.auth.client_access.client_secret',
    'connection.personal_access_token',
    'connection.auth.personal_access_token',
    'connection.config.password',
    'connection.config.token',
    'connection.destination_configuration.password',
    'personal_access_token',
    'apiSecret',
    'context.personal_access_token',
  ]) {
    const value = secretValue(`inline ${path}`);
    invalid(`inline secret: ${path}`, set(path, value), path, { planted: [value] });
  }
  {
    const value = secretValue('inline connect_card_config.client_secret');
    invalid(
      'inline secret: connect_card_config.client_secret',
      (request) => {
        request.connection.connect_card_config = { redirect_uri: 'https://portal.example.com/done', client_secret: value };
      },
      'connection.connect_card_config.client_secret',
      { planted: [value] },
    );
  }
  {
    const value = secretValue('inline secret in an object');
    invalid(
      'inline secret: client_secret as an object',
      set('connection.auth.client_access.client_secret', { value }),
      'connection.auth.client_access.client_secret',
      {
        planted: [value],
      },
    );
  }
  invalid(
    'inline secret: personal_access_token null',
    set('connection.config.personal_access_token', null),
    'connection.config.personal_access_token',
  );
  invalid(
    'inline secret: personal_access_token empty',
    set('connection.config.personal_access_token', ''),
    'connection.config.personal_access_token',
  );
  {
    const value = secretValue('inline token in custom_base_url');
    invalid(
      'inline secret: a token in custom_base_url (https://oauth2:<token>@host)',
      set('connection.config.custom_base_url', `https://oauth2:${value}@gitlab.example.com`),
      'connection.config.custom_base_url',
      { planted: [value] },
    );
  }
  {
    const value = secretValue('token pasted into credentialsSecretId');
    add(
      'inline secret: a token pasted into credentialsSecretId',
      set('credentialsSecretId', value),
      'CREDENTIALS_NOT_ALLOWED',
      'credentialsSecretId',
      {
        planted: [value],
      },
    );
  }

  // Credential references the function must not read.
  const notAllowed = (name: string, reference: string) =>
    add(`not allowed: ${name}`, set('credentialsSecretId', reference), 'CREDENTIALS_NOT_ALLOWED', 'credentialsSecretId');
  notAllowed('the API key secret', context.apiKeySecretId);
  notAllowed('the API key secret by its ARN', arn(`${context.apiKeySecretId}-AbCdEf`));
  notAllowed('another prefix', 'other/gitlab/team-a');
  notAllowed('the prefix without its slash', prefix.replace(/\/$/, ''));
  notAllowed('exactly the prefix', prefix);
  notAllowed('a look-alike prefix with a dash', `${prefix.replace(/\/$/, '')}-evil/team-a`);
  notAllowed('a look-alike prefix with a suffix', `${prefix.replace(/\/$/, '')}x/team-a`);
  notAllowed('the prefix in another case', `${prefix.toUpperCase()}team-a`);
  notAllowed('a leading slash', `/${prefix}team-a`);
  notAllowed('a character before the prefix', `x${prefix}team-a`);
  notAllowed('".." back to the API key', `${prefix}../api-key`);
  notAllowed('".." twice', `${prefix}team/../../api-key`);
  notAllowed('a "." segment', `${prefix}./team-a`);
  notAllowed('an empty segment', `${prefix}/team-a`);
  notAllowed('a trailing slash', `${prefix}team-a/`);
  notAllowed('another group’s secret', corpusSecretId(context, 'another_group'));
  notAllowed('another group’s secret by its ARN', arn(`${corpusSecretId(context, 'another_group')}-AbCdEf`));
  notAllowed('a secret under the prefix but in no group', `${prefix}${CORPUS_SECRET}`);
  notAllowed('a group whose id only starts like this one', `${prefix}${context.groupId}x/${CORPUS_SECRET}`);
  notAllowed('".." out of the group', `${prefix}${context.groupId}/../another_group/${CORPUS_SECRET}`);
  notAllowed('an ARN of another account', arn(`${prefix}team-a-AbCdEf`, '999999999999'));
  notAllowed(
    'an ARN of another region',
    arn(`${prefix}team-a-AbCdEf`, context.accountId, context.region === 'us-east-1' ? 'eu-west-1' : 'us-east-1'),
  );
  notAllowed('an ARN of another partition', arn(`${prefix}team-a-AbCdEf`, context.accountId, context.region, 'aws-cn'));
  notAllowed('an ARN with ".." in its name', arn(`${prefix}../api-key-AbCdEf`));
  notAllowed('an ARN of another service', `arn:aws:ssm:${context.region}:${context.accountId}:parameter/${prefix}team-a`);
  notAllowed('an ARN without a secret name', `arn:aws:secretsmanager:${context.region}:${context.accountId}:secret`);
  notAllowed('an ARN with an 11-digit account', arn(`${prefix}team-a-AbCdEf`, context.accountId.slice(1)));
  notAllowed('"arn:" alone', 'arn:');
  for (const [name, reference] of [
    ['a space', `${prefix}team a`],
    ['percent-encoded dots', `${prefix}%2e%2e/api-key`],
    ['backslashes', `${prefix.replace(/\//g, '\\')}team-a`],
    ['an empty string', ''],
    ['2049 characters', `${prefix}${'t'.repeat(2049)}`],
  ] as const) {
    invalid(`not a secret reference: ${name}`, set('credentialsSecretId', reference), 'credentialsSecretId');
  }

  // Secrets that are missing, or hold the wrong thing.
  const groupFolder = `${prefix}${context.groupId}/`;
  add(
    'missing secret: a name in the group',
    set('credentialsSecretId', `${groupFolder}never-created`),
    'CREDENTIALS_NOT_FOUND',
    'credentialsSecretId',
  );
  add(
    'missing secret: an ARN in the group',
    set('credentialsSecretId', arn(`${groupFolder}never-created-AbCdEf`)),
    'CREDENTIALS_NOT_FOUND',
    'credentialsSecretId',
  );
  const badSecret = (name: string, secretName: string, value: string, names: string, mutate?: Mutation, planted: string[] = []) => {
    const id = `${groupFolder}${secretName}`;
    add(
      `bad secret: ${name}`,
      (request, ids) => {
        request.credentialsSecretId = id;
        return mutate?.(request, ids);
      },
      'CREDENTIALS_INVALID',
      names,
      { secrets: { [id]: value }, planted },
    );
  };
  {
    const token = secretValue('secret that is not JSON');
    badSecret('a bare token, not JSON', 'corpus-bare-token', token, 'is not JSON', undefined, [token]);
  }
  {
    const token = secretValue('secret with trailing text');
    badSecret('JSON followed by text', 'corpus-trailing', `{"personal_access_token":"${token}"} # team a`, 'is not JSON', undefined, [
      token,
    ]);
  }
  {
    const token = secretValue('secret as a JSON string');
    badSecret('a JSON string', 'corpus-json-string', JSON.stringify(token), 'must be a JSON object', undefined, [token]);
  }
  {
    const token = secretValue('secret as a JSON array');
    badSecret('a JSON array', 'corpus-json-array', JSON.stringify([token]), 'must be a JSON object', undefined, [token]);
  }
  badSecret('a JSON number', 'corpus-json-number', '12345', 'must be a JSON object');
  badSecret('JSON null', 'corpus-json-null', 'null', 'must be a JSON object');
  {
    const token = secretValue('secret with key password');
    badSecret('an unknown key "password"', 'corpus-password', JSON.stringify({ password: token }), '1 unexpected key(s)', undefined, [
      token,
    ]);
  }
  {
    const token = secretValue('secret with an extra key');
    const extra = secretValue('secret with an extra key, the extra');
    badSecret(
      'a token and an unknown key "token"',
      'corpus-extra-key',
      JSON.stringify({ personal_access_token: token, token: extra }),
      '1 unexpected key(s)',
      undefined,
      [token, extra],
    );
  }
  {
    const token = secretValue('secret with an upper-case key');
    badSecret(
      'a key in the wrong case',
      'corpus-upper-key',
      JSON.stringify({ PERSONAL_ACCESS_TOKEN: token }),
      '1 unexpected key(s)',
      undefined,
      [token],
    );
  }
  {
    const token = secretValue('a token pasted as a key name');
    badSecret(
      'a token pasted as a key name',
      'corpus-token-as-key',
      JSON.stringify({ [token]: 'personal_access_token' }),
      '1 unexpected key(s)',
      undefined,
      [token],
    );
  }
  badSecret('a token that is a number', 'corpus-number-token', JSON.stringify({ personal_access_token: 1234567 }), 'personal_access_token');
  badSecret('an empty token', 'corpus-empty-token', JSON.stringify({ personal_access_token: '' }), 'personal_access_token');
  {
    const token = secretValue('secret with a nested token');
    badSecret(
      'a token nested in an object',
      'corpus-nested',
      JSON.stringify({ personal_access_token: { value: token } }),
      'personal_access_token',
      undefined,
      [token],
    );
  }
  badSecret('an empty object', 'corpus-empty-object', '{}', 'personal_access_token');
  {
    const access = secretValue('OAuth secret for a token request');
    badSecret(
      'OAuth tokens for a personal-access-token request',
      'corpus-wrong-method',
      JSON.stringify({ access_token: access, refresh_token: `${access}-r` }),
      'personal_access_token',
      undefined,
      [access],
    );
  }
  {
    const access = secretValue('OAuth secret without refresh token');
    badSecret(
      'OAuth without refresh_token',
      'corpus-oauth-half',
      JSON.stringify({ access_token: access }),
      'refresh_token',
      (request) => {
        request.connection.config.auth = 'oauth_2';
      },
      [access],
    );
  }
  {
    const token = secretValue('mTLS secret without key');
    badSecret(
      'mTLS without client_private_key',
      'corpus-mtls-half',
      JSON.stringify({ personal_access_token: token, client_certificate: `${token}-cert` }),
      'client_private_key',
      (request) => {
        request.connection.config.enable_mtls_connection = 'true';
      },
      [token],
    );
  }
  {
    const token = secretValue('client secret without client id');
    badSecret(
      'client_secret without client_id',
      'corpus-client-secret',
      JSON.stringify({ personal_access_token: token, client_secret: `${token}-c` }),
      'client_id',
      undefined,
      [token],
    );
  }
  {
    const token = secretValue('client id in the request without client secret');
    badSecret(
      'client_id in the request, no client_secret in the secret',
      'corpus-client-id',
      JSON.stringify({ personal_access_token: token }),
      'client_secret',
      (request) => {
        request.connection.auth = { client_access: { client_id: 'portal-client' } };
      },
      [token],
    );
  }

  // Oversized bodies: counted in bytes, before anything else.
  invalid(
    'oversized: 64 KiB + 1 byte of JSON',
    (request) => {
      const text = JSON.stringify(request);
      return JSON.stringify({ ...request, padding: 'p'.repeat(64 * 1024 + 1 - text.length - ',"padding":""'.length) });
    },
    'at most 65536',
  );
  invalid('oversized: 200 KiB of text', { raw: 'x'.repeat(200 * 1024) }, 'at most 65536');
  invalid(
    'oversized: 22,000 three-byte characters (under 64 Ki characters, over 64 KiB)',
    set('context.requestedBy', '€'.repeat(22_000)),
    'at most 65536',
  );

  // Unusual Unicode where only ASCII is allowed. (Escaped in the JSON, as SQS carries them.)
  for (const [name, path, value] of [
    ['a schema with a non-ASCII letter', 'connection.config.schema', 'gitlab_tëam'],
    ['a schema with a Cyrillic look-alike letter', 'connection.config.schema', 'gitlab_t\u0435am'],
    ['a schema in full-width letters', 'connection.config.schema', '\uFF47\uFF49\uFF54\uFF4C\uFF41\uFF42'],
    ['a schema with a NUL', 'connection.config.schema', 'gitlab\u0000team'],
    ['a requestId with an emoji', 'requestId', 'team-a-\u{1F680}'],
    ['a requestId with a right-to-left override', 'requestId', 'team\u202Ea'],
    ['a requestId with a zero-width space', 'requestId', 'team\u200Ba'],
    ['a requestId with a NUL', 'requestId', 'team\u0000a'],
    ['a requestId with an unpaired surrogate', 'requestId', 'team\uD800a'],
    ['a group_id with a NUL', 'connection.group_id', 'sandbox\u0000group'],
    ['a group_id with a zero-width joiner', 'connection.group_id', 'sandbox\u200Dgroup'],
    ['a credentialsSecretId with a right-to-left override', 'credentialsSecretId', `${prefix}\u202Eteam-a`],
    ['a credentialsSecretId with a Cyrillic look-alike of the prefix', 'credentialsSecretId', `${prefix.replace('a', '\u0430')}team-a`],
    ['a custom_base_url with a right-to-left override', 'connection.config.custom_base_url', 'gitlab.\u202Emoc.elpmaxe'],
  ] as const) {
    invalid(`unicode: ${name}`, set(path, value), path);
  }
  // The same characters raw in the body: SQS refuses to carry them, so only a handler fed directly meets them.
  // JSON forbids a raw control character inside a string: the body is not JSON at all.
  invalid('unicode, raw: a NUL in requestId', (request) => JSON.stringify(request).replace(/"bad-(\d+)"/, '"bad-\u0000$1"'), 'not JSON');
  invalid(
    'unicode, raw: an unpaired surrogate in requestId',
    (request) => JSON.stringify(request).replace(/"bad-(\d+)"/, '"bad-\uD800$1"'),
    'requestId',
  );
  invalid('unicode, raw: a NUL between tokens', (request) => JSON.stringify(request).replace('{', '{\u0000'), 'not JSON');

  // Request faults that only Fivetran can tell.
  add(
    'Fivetran: a group it does not have',
    (request) => {
      request.connection.group_id = 'no_such_group';
      request.credentialsSecretId = corpusSecretId(context, 'no_such_group');
    },
    'GROUP_NOT_FOUND',
    'connection.group_id',
    { secrets: { [corpusSecretId(context, 'no_such_group')]: corpusSecretValue(context) } },
  );
  add('Fivetran: a schema another service holds', () => undefined, 'SCHEMA_TAKEN', 'config.schema', { takenBy: 'github' });

  return cases;
}

/** Requests with unusual text in free-text fields, which the contract allows: they must be provisioned, the text echoed unchanged. */
export function acceptedUnusualInputs(context: CorpusContext): AcceptedInput[] {
  return [
    ['an emoji in requestedBy', { requestedBy: 'platform team \u{1F680}' }],
    ['right-to-left text in requestedBy', { requestedBy: '\u05E6\u05D5\u05D5\u05EA \u05E4\u05DC\u05D8\u05E4\u05D5\u05E8\u05DE\u05D4' }],
    ['a right-to-left override in requestedBy', { requestedBy: 'team\u202Ea' }],
    ['CJK in correlationId', { correlationId: '\u8ACB\u6C42-42' }],
    ['combining marks in requestedBy', { requestedBy: 'Zo\u0308e\u0301' }],
    ['an escaped NUL in requestedBy', { requestedBy: 'team\u0000a' }],
    ['an escaped unpaired surrogate in requestedBy', { requestedBy: 'team\uD800a' }],
    ['128 emoji (256 UTF-16 units, the limit) in requestedBy', { requestedBy: '\u{1F680}'.repeat(128) }],
  ].map(([name, contextFields], index) => {
    const n = String(index + 1).padStart(3, '0');
    const requestId = `odd-${n}`;
    const schema = `odd_${n}`;
    const body = {
      requestId,
      connection: {
        group_id: context.groupId,
        service: 'gitlab',
        config: { schema, auth: 'personal_access_token', base_url: 'gitlab.com' },
      },
      credentialsSecretId: corpusSecretId(context),
      context: contextFields,
    };
    return { name: name as string, body: JSON.stringify(body), requestId, schema, context: contextFields as Record<string, string> };
  });
}

/** A valid request with the corpus secret, to share batches with the bad ones. */
export function validCorpusRequest(context: CorpusContext, index: number): { body: string; requestId: string; schema: string } {
  const n = String(index).padStart(3, '0');
  const requestId = `good-${n}`;
  const schema = `good_${n}`;
  const body = {
    requestId,
    connection: { group_id: context.groupId, service: 'gitlab', config: { schema, auth: 'personal_access_token', base_url: 'gitlab.com' } },
    credentialsSecretId: corpusSecretId(context),
  };
  return { body: JSON.stringify(body), requestId, schema };
}

/** The SecretString of the corpus secret. */
export function corpusSecretValue(context: CorpusContext): string {
  return JSON.stringify({ personal_access_token: `glpat-${context.marker('corpus PAT')}` });
}

/** Whether SQS accepts the body: it refuses characters outside XML's (such as NUL and unpaired surrogates). */
export function sqsAccepts(body: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: which control characters SQS accepts is what this checks.
  return /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u.test(body);
}

/**
 * The same JSON with every character beyond U+FFFF written as an escaped
 * surrogate pair: it reads back identical. fauxqs, unlike SQS, refuses such
 * characters (emoji) raw in a body.
 */
export function escapeAstral(body: string): string {
  return body.replace(/[\u{10000}-\u{10FFFF}]/gu, (character) =>
    Array.from({ length: character.length }, (_, index) => `\\u${character.charCodeAt(index).toString(16)}`).join(''),
  );
}

function assign(target: Json, path: string, value: unknown, remove = false): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key];
  }
  const last = keys.at(-1)!;
  if (remove) delete node[last];
  else node[last] = value;
}
