import { CORPUS_SECRET, type CorpusBuilder, corpusSecretId, type Mutation } from './corpus-builder';

/** Secret values inline in the request, references the worker must not read, and secrets that are missing or hold the wrong thing. */
export function addSecretCases({ context, prefix, add, invalid, set, secretValue, arn }: CorpusBuilder): void {
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
}
