import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createCredentialsStore } from '../../../functions/provision/credentials-store';
import { FAKE_PAT } from '../../../local/world/fixtures';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { createSecretCache } from '../../../shared/runtime/secret-cache';

const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => secretsManager.reset());

const storeWith = (ttlMs: number, now?: () => number) => {
  const client = new SecretsManagerClient({});
  return createCredentialsStore(createSecretCache({ client, ttlMs, ...(now ? { now } : {}) }), client);
};

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} from the service`), { name });
}

describe('credentials store', () => {
  it('makes one Secrets Manager call per secret per cache period, even for concurrent gets', async () => {
    // given a store with a five-minute cache and a clock we control
    let clock = 0;
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(FAKE_PAT) });
    const store = storeWith(300_000, () => clock);
    // when ten records name the same secret at once, and another names a second secret
    const values = await Promise.all([...Array.from({ length: 10 }, () => store.get('fivetran/gitlab/a')), store.get('fivetran/gitlab/b')]);
    // then each secret was read once
    expect(values[0]?.credentials).toEqual(FAKE_PAT);
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([
      'fivetran/gitlab/a',
      'fivetran/gitlab/b',
    ]);
    // and once the period is over, the next get reads it again
    clock = 300_001;
    await store.get('fivetran/gitlab/a');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it.each([
    ['ResourceNotFoundException', 'CREDENTIALS_NOT_FOUND', false],
    ['InvalidRequestException', 'CREDENTIALS_NOT_FOUND', false],
    ['ThrottlingException', 'SECRETS_UNAVAILABLE', true],
    ['InternalServiceError', 'SECRETS_UNAVAILABLE', true],
    ['AccessDeniedException', 'SECRETS_UNAVAILABLE', true],
    ['DecryptionFailure', 'SECRETS_UNAVAILABLE', true],
  ])('maps %s to %s', async (name, code, retryable) => {
    secretsManager.on(GetSecretValueCommand).rejects(awsError(name));
    const store = storeWith(300_000);
    const error = await store.get('fivetran/gitlab/a').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect(error).toMatchObject({ code, retryable });
  });

  it('does not cache a failure: the next get tries again', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .resolves({ SecretString: JSON.stringify(FAKE_PAT) });
    const store = storeWith(300_000);
    await expect(store.get('fivetran/gitlab/a')).rejects.toMatchObject({ code: 'SECRETS_UNAVAILABLE' });
    await expect(store.get('fivetran/gitlab/a')).resolves.toMatchObject({ credentials: FAKE_PAT });
  });

  it("keeps the secret's name and the version its values came from, through the cache", async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify(FAKE_PAT), Name: 'fivetran/gitlab/a', VersionId: 'v1-00000000000000000000000000000000' });
    const store = storeWith(300_000);
    await store.get('arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/a-AbCdEf');
    const cached = await store.get('arn:aws:secretsmanager:eu-west-1:123456789012:secret:fivetran/gitlab/a-AbCdEf');
    expect(cached).toMatchObject({ secretName: 'fivetran/gitlab/a', versionId: 'v1-00000000000000000000000000000000' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads a named version uncached, and finds the current version without reading a value', async () => {
    // given a secret read once through the cache
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify(FAKE_PAT), Name: 'fivetran/gitlab/a', VersionId: 'v2' });
    secretsManager.on(DescribeSecretCommand).resolves({
      Name: 'fivetran/gitlab/a',
      VersionIdsToStages: { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'] },
    });
    const store = storeWith(300_000);
    await store.get('fivetran/gitlab/a');
    // when the current version is asked for, and read by version twice
    const current = await store.current('fivetran/gitlab/a');
    await store.getVersion('fivetran/gitlab/a', 'v2');
    const read = await store.getVersion('fivetran/gitlab/a', 'v2');
    // then DescribeSecret named AWSCURRENT, and each versioned read was a call of its own, naming the version
    expect(current).toEqual({ secretName: 'fivetran/gitlab/a', currentVersionId: 'v2' });
    expect(read).toMatchObject({ credentials: FAKE_PAT, versionId: 'v2' });
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.VersionId)).toEqual([undefined, 'v2', 'v2']);
  });

  it("reads AWS's managed rotation format: token as the personal access token, its other keys counted", async () => {
    const token = `fake-${'r'.repeat(20)}`;
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ token, tokenId: 42, gitlabUrl: 'https://gitlab.example.com', expiresAt: '2030-01-01' }),
    });
    const read = await storeWith(0).get('fivetran/gitlab/a');
    expect(read).toMatchObject({ credentials: { personal_access_token: token }, ignoredKeys: 3 });
  });

  it('refuses a secret holding both token and personal_access_token, naming no value', async () => {
    const token = `fake-${'s'.repeat(20)}`;
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token, personal_access_token: token }) });
    const error = await storeWith(0)
      .get('fivetran/gitlab/a')
      .catch((caught: unknown) => caught as ProvisioningError);
    expect(error).toMatchObject({ code: 'CREDENTIALS_INVALID' });
    expect((error as Error).message).not.toContain(token);
  });
});
