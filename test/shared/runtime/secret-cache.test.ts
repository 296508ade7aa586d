import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { isTimeUp } from '../../../shared/aws/aws-calls';
import { deadlineAt } from '../../../shared/runtime/retry';
import { createSecretCache } from '../../../shared/runtime/secret-cache';

const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => secretsManager.reset());

const reads = () => secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
const asJson = (text: string | undefined) => JSON.parse(text ?? 'null') as { value: string };
const cache = (ttlMs: number, now?: () => number) =>
  createSecretCache({ client: new SecretsManagerClient({}), ttlMs, ...(now ? { now } : {}) });

describe('secret cache', () => {
  it('reads each secret once per TTL, and again once it has run out', async () => {
    // given a five-minute cache on a clock we move
    let clock = 0;
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"value":"fake-one"}' });
    const secrets = cache(300_000, () => clock);
    // when one secret is read three times within the period, and a second secret once
    await secrets.read('fivetran/api-key', asJson);
    await secrets.read('fivetran/api-key', asJson);
    clock = 299_999;
    await expect(secrets.read('fivetran/api-key', asJson)).resolves.toEqual({ value: 'fake-one' });
    await secrets.read('fivetran/gitlab/g/a', asJson);
    // then each was one call
    expect(reads()).toEqual(['fivetran/api-key', 'fivetran/gitlab/g/a']);
    // and past the period the next read calls again
    clock = 300_000;
    await secrets.read('fivetran/api-key', asJson);
    expect(reads()).toEqual(['fivetran/api-key', 'fivetran/gitlab/g/a', 'fivetran/api-key']);
  });

  it('shares one call among concurrent reads, even with a TTL of 0, and keeps nothing past it with TTL 0', async () => {
    // given a cache that keeps nothing (the backfill's: once per invocation)
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"value":"fake-two"}' });
    const secrets = cache(0);
    // when ten reads of one secret start together
    const values = await Promise.all(Array.from({ length: 10 }, () => secrets.read('fivetran/api-key', asJson)));
    // then they shared one call
    expect(values).toEqual(Array(10).fill({ value: 'fake-two' }));
    expect(reads()).toHaveLength(1);
    // and the next read, after they settled, is a call of its own
    await secrets.read('fivetran/api-key', asJson);
    expect(reads()).toHaveLength(2);
  });

  it('does not keep a failed read or a failed parse: the next read calls again', async () => {
    // given Secrets Manager throttling once, then answering with a malformed secret, then a good one
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolvesOnce({ SecretString: 'not json' })
      .resolves({ SecretString: '{"value":"fake-three"}' });
    const secrets = cache(300_000);
    // when the secret is read three times
    await expect(secrets.read('fivetran/api-key', asJson)).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(secrets.read('fivetran/api-key', asJson)).rejects.toThrow(SyntaxError);
    // then the third read calls again and gets the good value
    await expect(secrets.read('fivetran/api-key', asJson)).resolves.toEqual({ value: 'fake-three' });
    expect(reads()).toHaveLength(3);
  });

  it('forgets one secret on demand (a key Fivetran refused): its next read calls, the others stay cached', async () => {
    // given two secrets read and cached
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'fivetran/api-key' })
      .resolvesOnce({ SecretString: '{"value":"fake-old-key"}' })
      .resolves({ SecretString: '{"value":"fake-rotated-key"}' });
    secretsManager.on(GetSecretValueCommand, { SecretId: 'fivetran/gitlab/g/a' }).resolves({ SecretString: '{"value":"fake-pat"}' });
    const secrets = cache(300_000);
    await secrets.read('fivetran/api-key', asJson);
    await secrets.read('fivetran/gitlab/g/a', asJson);
    // when the API key is forgotten after a 401
    secrets.forget('fivetran/api-key');
    // then the next read of the key is a call and brings the rotated key, and the credentials are still cached
    await expect(secrets.read('fivetran/api-key', asJson)).resolves.toEqual({ value: 'fake-rotated-key' });
    await secrets.read('fivetran/gitlab/g/a', asJson);
    expect(reads()).toEqual(['fivetran/api-key', 'fivetran/gitlab/g/a', 'fivetran/api-key']);
  });

  it('bounds a hung read by the deadline, and reads afresh next time instead of waiting on the hung call', async () => {
    // given Secrets Manager never answering the first read (it honours the abort signal, as the SDK does)
    secretsManager
      .on(GetSecretValueCommand)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolves({ SecretString: '{"value":"fake-four"}' });
    const secrets = cache(300_000);
    // when a record reads it with 50 ms left
    const hung = await secrets
      .read('fivetran/api-key', asJson, { deadline: deadlineAt(Date.now() + 50, Date.now) })
      .catch((error: unknown) => error);
    // then the read ends as time up, not never
    expect(isTimeUp(hung)).toBe(true);
    // and the next read is a call of its own, which answers
    await expect(secrets.read('fivetran/api-key', asJson)).resolves.toEqual({ value: 'fake-four' });
    expect(reads()).toHaveLength(2);
  });

  it('bounds each waiter by its own deadline when it joins a read another caller started', async () => {
    // given a read in flight under a long deadline, which Secrets Manager does not answer
    secretsManager.on(GetSecretValueCommand).callsFake(() => new Promise(() => undefined));
    const secrets = cache(300_000);
    const first = secrets.read('fivetran/api-key', asJson, { deadline: deadlineAt(Date.now() + 60_000, Date.now) });
    first.catch(() => undefined);
    // when a second caller with 20 ms left joins it
    const joined = await secrets
      .read('fivetran/api-key', asJson, { deadline: deadlineAt(Date.now() + 20, Date.now) })
      .catch((error: unknown) => error);
    // then the second caller stops waiting at its own deadline, and no second call was made
    expect(isTimeUp(joined)).toBe(true);
    expect(reads()).toHaveLength(1);
  });
});
