import { type CorpusBuilder, corpusSecretId } from './corpus-builder';

/** Bodies that are not a request: not JSON, wrong types, missing fields, values out of range, unknown fields. */
export function addMalformedCases({ context, invalid, set, remove }: CorpusBuilder): void {
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
  invalid('out of range: requestSchemaVersion attribute 3', () => undefined, 'request schema version "3"', {
    attributes: { requestSchemaVersion: '3' },
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
}
