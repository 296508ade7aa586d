import { describe, expect, it } from 'vitest';
import { buildCreateBody, parseCredentialsSecret } from '../../../functions/provision/credentials';
import { assertCredentialsReferenceAllowed, locationFromFunctionArn } from '../../../functions/provision/credentials-reference';
import { CREDENTIALS_PREFIX, FAKE_MTLS, FAKE_OAUTH, FAKE_PAT, FUNCTION_ARN, patRequest } from '../../../local/world/fixtures';
import { ProvisioningError } from '../../../shared/runtime/errors';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ProvisioningError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('credentials secret', () => {
  it('reads a JSON object of known keys', () => {
    expect(parseCredentialsSecret('s', JSON.stringify(FAKE_OAUTH))).toEqual(FAKE_OAUTH);
  });

  it.each([
    ['a value that is not JSON', 'fake-token-M4RK3R', /is not JSON/],
    ['a JSON array', '["fake"]', /must be a JSON object/],
    ['an unknown key', JSON.stringify({ tokn: 'fake-M4RK3R' }), /1 unexpected key\(s\)\. Allowed keys: personal_access_token/],
    ['a managed rotation token that is empty', JSON.stringify({ token: '', tokenId: 'fake-M4RK3R' }), /managed rotation format/],
    ['a token pasted as a key name', JSON.stringify({ 'glpat-fake-M4RK3R': '' }), /1 unexpected key\(s\)\. Allowed keys:/],
    ['an empty value', JSON.stringify({ personal_access_token: '' }), /personal_access_token must be a non-empty string/],
    ['no string value', undefined, /no string value/],
  ])('refuses %s as CREDENTIALS_INVALID without echoing it', (_name, value, expected) => {
    let error: unknown;
    try {
      parseCredentialsSecret('fivetran/gitlab/a', value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as ProvisioningError).code).toBe('CREDENTIALS_INVALID');
    expect((error as ProvisioningError).message).toMatch(expected);
    expect((error as ProvisioningError).message).not.toContain('M4RK3R');
  });

  it('hands what it could not read to the redactor, never to the message', () => {
    const secretOf = (value: string) => {
      try {
        parseCredentialsSecret('fivetran/gitlab/g/a', value);
      } catch (error) {
        return (error as ProvisioningError).secretValues;
      }
      return [];
    };
    expect(secretOf('fake-token-M4RK3R')).toEqual(['fake-token-M4RK3R']);
    const value = JSON.stringify({ 'glpat-fake-M4RK3R-key': 'fake-M4RK3R-1', personal_access_token: { nested: 'fake-M4RK3R-2' } });
    expect(secretOf(value)).toEqual(['glpat-fake-M4RK3R-key', 'fake-M4RK3R-1', 'fake-M4RK3R-2']);
  });
});

describe('create body', () => {
  it('merges a personal access token into config', () => {
    const body = buildCreateBody(patRequest().connection, FAKE_PAT, 'ref');
    expect(body.config).toEqual({ ...patRequest().connection.config, ...FAKE_PAT });
    expect(body).not.toHaveProperty('auth');
  });

  it('merges mTLS material into config', () => {
    const connection = {
      ...patRequest().connection,
      config: { ...patRequest().connection.config, enable_mtls_connection: 'true' as const },
    };
    const body = buildCreateBody(connection, FAKE_MTLS, 'ref');
    expect(body.config).toMatchObject(FAKE_MTLS);
  });

  it('merges OAuth tokens into auth and client access into auth.client_access', () => {
    const connection = { ...patRequest().connection, config: { schema: 'gitlab_oauth', auth: 'oauth_2' as const } };
    const body = buildCreateBody(connection, FAKE_OAUTH, 'ref');
    expect(body.auth).toEqual({
      access_token: FAKE_OAUTH.access_token,
      refresh_token: FAKE_OAUTH.refresh_token,
      client_access: { client_id: FAKE_OAUTH.client_id, client_secret: FAKE_OAUTH.client_secret },
    });
    expect(body.config).toEqual({ schema: 'gitlab_oauth', auth: 'oauth_2' });
  });

  it('keeps a client id given in the request when the secret holds only the client secret', () => {
    const connection = {
      ...patRequest().connection,
      config: { schema: 'gitlab_oauth', auth: 'oauth_2' as const },
      auth: { client_access: { client_id: 'from-request' } },
    };
    const { client_id: _id, ...secretOnly } = FAKE_OAUTH;
    const body = buildCreateBody(connection, secretOnly, 'ref');
    expect(body.auth?.client_access).toEqual({ client_id: 'from-request', client_secret: FAKE_OAUTH.client_secret });
  });

  it.each([
    ['a token for personal_access_token auth', { ...patRequest().connection }, {}],
    ['OAuth tokens for oauth_2 auth', { ...patRequest().connection, config: { schema: 's', auth: 'oauth_2' as const } }, FAKE_PAT],
    [
      'certificate and key for mTLS',
      { ...patRequest().connection, config: { ...patRequest().connection.config, enable_mtls_connection: 'true' as const } },
      FAKE_PAT,
    ],
  ])('refuses credentials that lack %s', (_name, connection, credentials) => {
    expect(codeOf(() => buildCreateBody(connection, credentials, 'ref'))).toBe('CREDENTIALS_INVALID');
  });

  it('needs no credentials for a connect card', () => {
    const connection = { ...patRequest().connection, connect_card_config: { redirect_uri: 'https://example.com' } };
    expect(buildCreateBody(connection, {}, undefined).config).toEqual(connection.config);
  });
});

describe('credentials reference policy', () => {
  const location = locationFromFunctionArn(FUNCTION_ARN);
  const prefixOnly = { prefix: CREDENTIALS_PREFIX };
  const check = (reference: string) => codeOf(() => assertCredentialsReferenceAllowed(reference, prefixOnly, location));

  it('reads the function location from its ARN', () => {
    expect(location).toEqual({ partition: 'aws', region: 'eu-west-1', accountId: '123456789012' });
    expect(locationFromFunctionArn('not-an-arn')).toBeUndefined();
  });

  it.each([
    'fivetran/gitlab/team-a',
    'fivetran/gitlab/teams/a.b',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/team-a-AbCdEf',
  ])('allows %s under the prefix alone', (reference) => {
    expect(check(reference)).toBe('no error');
  });

  it.each([
    ['another prefix', 'prod/database/password'],
    ['a prefix look-alike', 'fivetran/gitlab-admin/x'],
    ['the bare prefix', 'fivetran/gitlab/'],
    ['a parent segment', 'fivetran/gitlab/../admin'],
    ['a dot segment', 'fivetran/gitlab/./a'],
    ['an empty segment', 'fivetran/gitlab//a'],
    ['another account', 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:fivetran/gitlab/a-AbCdEf'],
    ['another region', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fivetran/gitlab/a-AbCdEf'],
    ['another partition', 'arn:aws-cn:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/a-AbCdEf'],
    ['an ARN of another service', 'arn:aws:ssm:eu-west-1:123456789012:parameter/fivetran/gitlab/a'],
    ['an ARN outside the prefix', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/a-AbCdEf'],
  ])('refuses %s as CREDENTIALS_NOT_ALLOWED', (_name, reference) => {
    expect(check(reference)).toBe('CREDENTIALS_NOT_ALLOWED');
  });

  it('repeats a refused reference only when it is a secret ARN, never what might be a pasted token', () => {
    const messageOf = (reference: string) => {
      try {
        assertCredentialsReferenceAllowed(reference, prefixOnly, location);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    };
    expect(messageOf('fake-token-M4RK3R-pasted')).not.toContain('M4RK3R');
    expect(messageOf('fake-token-M4RK3R-pasted')).toMatch(/^credentialsSecretId is not allowed: its name is outside the allowed prefix/);
    const foreignArn = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:fivetran/gitlab/a-AbCdEf';
    expect(messageOf(foreignArn)).toContain(foreignArn);
  });

  it('refuses any ARN when the function does not know its own account', () => {
    const reference = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/a-AbCdEf';
    expect(codeOf(() => assertCredentialsReferenceAllowed(reference, prefixOnly, undefined))).toBe('CREDENTIALS_NOT_ALLOWED');
  });
});

describe('credentials bound to their Fivetran group', () => {
  const location = locationFromFunctionArn(FUNCTION_ARN);
  const forGroup = (groupId: string) => ({ prefix: CREDENTIALS_PREFIX, groupId });
  const check = (reference: string, groupId = 'group_b') =>
    codeOf(() => assertCredentialsReferenceAllowed(reference, forGroup(groupId), location));

  it.each([
    'fivetran/gitlab/group_b/team-b',
    'fivetran/gitlab/group_b/teams/b.1',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/group_b/team-b-AbCdEf',
  ])('allows %s for a request of group_b', (reference) => {
    expect(check(reference)).toBe('no error');
  });

  it.each([
    ['the secret of another group', 'fivetran/gitlab/group_a/team-a'],
    ['the ARN of another group’s secret', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/group_a/team-a-AbCdEf'],
    ['a secret under the prefix but no group', 'fivetran/gitlab/team-b'],
    ['a group whose id starts with the same letters', 'fivetran/gitlab/group_bb/team-b'],
    ['the group folder itself', 'fivetran/gitlab/group_b/'],
    ['a secret named like the group', 'fivetran/gitlab/group_b'],
    ['the ARN of a secret named like the group', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/group_b-AbCdEf'],
    ['".." out of the group', 'fivetran/gitlab/group_b/../group_a/team-a'],
  ])('refuses %s for a request of group_b, naming where its credentials belong', (_name, reference) => {
    let message = '';
    try {
      assertCredentialsReferenceAllowed(reference, forGroup('group_b'), location);
    } catch (error) {
      expect((error as ProvisioningError).code).toBe('CREDENTIALS_NOT_ALLOWED');
      message = (error as Error).message;
    }
    expect(message).toMatch(/Use a secret whose name starts with "fivetran\/gitlab\/group_b\/"$/);
  });
});
