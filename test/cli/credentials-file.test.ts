import { describe, expect, it } from 'vitest';
import { credentialsFileProblems, MAX_SECRET_BYTES } from '../../cli/credentials-file';

describe('a credentials file for rotate', () => {
  it('accepts each shape the worker reads', () => {
    for (const credentials of [
      { personal_access_token: 'fake-pat' },
      { personal_access_token: 'fake-pat', client_certificate: 'fake-cert', client_private_key: 'fake-key' },
      { access_token: 'fake-access', refresh_token: 'fake-refresh', client_id: 'id', client_secret: 'fake-client-secret' },
      { token: 'fake-managed-token', tokenId: 7, gitlabUrl: 'https://gitlab.example.com' },
    ]) {
      expect(credentialsFileProblems(JSON.stringify(credentials))).toEqual([]);
    }
  });

  it('refuses what would break a connection: an empty object, half a pair, a mixed managed format, a value too large', () => {
    expect(credentialsFileProblems('{}')).toEqual(['it holds no credential']);
    expect(credentialsFileProblems(JSON.stringify({ access_token: 'fake-access' }))).toEqual([
      'refresh_token is missing: access_token and refresh_token go together',
    ]);
    // `token` beside one of our keys: which token is meant is not clear, as the worker decides too
    expect(credentialsFileProblems(JSON.stringify({ token: 'fake-a', personal_access_token: 'fake-b' }))[0]).toMatch(
      /^1 unexpected key\(s\)/,
    );
    expect(credentialsFileProblems(JSON.stringify({ personal_access_token: 'x'.repeat(MAX_SECRET_BYTES) }))).toEqual([
      `it is larger than ${MAX_SECRET_BYTES} bytes, the most a secret holds`,
    ]);
  });
});
