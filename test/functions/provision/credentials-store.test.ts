import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createCredentialsStore } from '../../../functions/provision/credentials-store';
import { FAKE_PAT } from '../../../local/world/fixtures';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { createSecretCache } from '../../../shared/runtime/secret-cache';

const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => secretsManager.reset());

const storeWith = (ttlMs: number, now?: () => number) =>
  createCredentialsStore(createSecretCache({ client: new SecretsManagerClient({}), ttlMs, ...(now ? { now } : {}) }));

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
    expect(values[0]).toEqual(FAKE_PAT);
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
    await expect(store.get('fivetran/gitlab/a')).resolves.toEqual(FAKE_PAT);
  });
});
