import { randomBytes } from 'node:crypto';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsStandIn, type SecretLabelUpdatedEvent, startAwsStandIn } from '../../local/aws/aws-stand-in';
import { CREDENTIALS_PREFIX, FAKE_PAT } from '../../local/world/fixtures';
import { findFragments, needlesFor } from '../support/secret-fragments';
import { runDirWithStack, runWithEnv, tempFile, withoutRegion } from './support/cli-env';

/**
 * `rotate` as an operator runs it, through the real SDK against the AWS
 * stand-in, whose PutSecretValue moves AWSCURRENT and sends `Secret Label Updated`.
 */
const SECRET = `${CREDENTIALS_PREFIX}sandbox_group/team-pat`;
let aws: AwsStandIn;
let client: SecretsManagerClient;
let labelEvents: SecretLabelUpdatedEvent[];
let env: Record<string, string>;

beforeAll(async () => {
  aws = await startAwsStandIn({ secrets: { [SECRET]: JSON.stringify(FAKE_PAT) } });
  aws.onSecretLabelUpdated((event) => labelEvents.push(event));
  client = new SecretsManagerClient({ endpoint: aws.url });
  env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url, CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX };
});
afterAll(async () => {
  client?.destroy();
  await aws?.close();
});
beforeEach(() => {
  labelEvents = [];
});

/** A fake token, random so that no other output can contain it by chance. */
const freshToken = () => `fake-pat-rotated-${randomBytes(12).toString('hex')}`;
const currentVersion = async (secretId = SECRET) => {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
};
const leaks = (secret: string, result: { out: string; err: string }) =>
  findFragments(needlesFor('secret', secret), [
    { where: 'stdout', text: result.out },
    { where: 'stderr', text: result.err },
  ]);

describe('rotate', () => {
  it('stores the file as the new AWSCURRENT version, and Secrets Manager announces exactly that version once', async () => {
    // given a credentials file with a new token
    const token = freshToken();
    const text = JSON.stringify({ personal_access_token: token });
    const before = await currentVersion();

    // when the operator rotates the secret with it
    const result = await runWithEnv(['rotate', SECRET, tempFile('new.json', text)], env);

    // then a new version is current, holding the file, and named in the output with what happens next
    expect(result.code).toBe(0);
    const after = await currentVersion();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect((await client.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe(text);
    expect(result.out).toContain(`Stored version ${after} of ${SECRET} as AWSCURRENT.`);
    expect(result.out).toContain('status <connectionId>');
    // and exactly one Secret Label Updated, for that version
    expect(labelEvents.map((event) => event.detail)).toEqual([{ name: SECRET, labelUpdated: 'AWSCURRENT', versionId: after }]);
    expect(leaks(token, result)).toEqual([]);
  });

  it("reads the file from stdin, and accepts AWS's managed rotation format", async () => {
    const token = freshToken();
    const text = JSON.stringify({ token, tokenId: 4242, gitlabUrl: 'https://gitlab.example.com' });

    const result = await runWithEnv(['rotate', SECRET, '-'], env, text);

    expect(result.code).toBe(0);
    expect(labelEvents).toHaveLength(1);
    expect((await client.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe(text);
    expect(leaks(token, result)).toEqual([]);
  });

  it('refuses a file that is not a credentials file, naming the field and never a value, and stores nothing', async () => {
    // given files that are wrong in different ways, each holding a token-like value
    const token = freshToken();
    const files: Array<[string, RegExp]> = [
      [`{"personal_access_token": "${token}"`, /it is not JSON/],
      [
        JSON.stringify({ client_certificate: token }),
        /client_private_key is missing: client_certificate and client_private_key go together/,
      ],
      [JSON.stringify({ personal_access_token: '', refresh_token: token }), /personal_access_token must be a non-empty string/],
      [
        JSON.stringify({ [token]: 'pasted as a key', personal_access_token: token }),
        /1 unexpected key\(s\); allowed: personal_access_token/,
      ],
      [JSON.stringify({ token: 42, note: token }), /token must be a non-empty string/],
      [JSON.stringify([token]), /it must be a JSON object/],
    ];
    const before = await currentVersion();
    for (const [text, problem] of files) {
      // when the operator rotates with it
      const result = await runWithEnv(['rotate', SECRET, tempFile('bad.json', text)], env);

      // then it is refused with exit 1, saying what is wrong without any part of the value
      expect(result.code, problem.source).toBe(1);
      expect(result.err).toMatch(/^rotate refused \S+bad\.json, nothing was stored: /);
      expect(result.err).toMatch(problem);
      expect(result.out).toBe('');
      expect(leaks(token, result)).toEqual([]);
    }
    // and the secret is as it was
    expect(await currentVersion()).toBe(before);
    expect(labelEvents).toEqual([]);
  });

  it('refuses a name outside the credentials prefix (exit 2) and says when the secret does not exist (exit 4)', async () => {
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    const outside = await runWithEnv(['rotate', 'fivetran/api-key', file], env);
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/^fivetran\/api-key is not a credentials secret: its name must start with fivetran\/gitlab\//);

    const missing = await runWithEnv(['rotate', `${CREDENTIALS_PREFIX}sandbox_group/nobody`, file], env);
    expect(missing.code).toBe(4);
    expect(missing.err).toBe(`rotate: Secrets Manager has no secret ${CREDENTIALS_PREFIX}sandbox_group/nobody; nothing was stored`);
    expect(labelEvents).toEqual([]);
  });

  it("uses the running local run's Secrets Manager and its credentials prefix, found through its stack file", async () => {
    // given no Secrets Manager endpoint or prefix in the environment, and a running start that names both
    const runDir = runDirWithStack({ secretsManagerEndpoint: aws.url, credentialsSecretPrefix: CREDENTIALS_PREFIX });
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    // when the operator rotates a credentials secret, and then tries another secret
    const rotated = await runWithEnv(['rotate', SECRET, file, '--run-dir', runDir], {});
    const outside = await runWithEnv(['rotate', 'fivetran/api-key', file, '--run-dir', runDir], {});

    // then the run's stand-in has the new version, and the other secret is refused by the run's prefix
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain(
      `Stored version ${await currentVersion()} of ${SECRET} as AWSCURRENT (the local run, pid ${process.pid}).`,
    );
    expect(labelEvents).toHaveLength(1);
    expect(outside.code).toBe(2);
  });

  it('stops before any call when the SDK finds no AWS region, saying how to set one (exit 2)', async () => {
    // given no region in the environment, a profile or the shared config files
    const before = await currentVersion();
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    // when the operator rotates a secret on AWS
    const result = await runWithEnv(['rotate', SECRET, file, '--aws'], { ...env, ...withoutRegion() });

    // then the command stops with one sentence naming AWS_REGION, not the SDK's "Region is missing", and stores nothing
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(
      'rotate found no AWS region to call: set AWS_REGION (for example AWS_REGION=eu-west-1) or a region for your profile in ~/.aws/config',
    );
    expect(await currentVersion()).toBe(before);
    expect(labelEvents).toEqual([]);
  });

  it('counts an empty AWS_REGION as none, and names a region the SDK refuses, stopping before any call (exit 2)', async () => {
    const before = await currentVersion();
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    const empty = await runWithEnv(['rotate', SECRET, file], { ...env, ...withoutRegion(), AWS_REGION: '' });
    const refused = await runWithEnv(['rotate', SECRET, file], { ...env, ...withoutRegion(), AWS_REGION: 'eu west 1' });

    expect([empty.code, refused.code]).toEqual([2, 2]);
    expect(empty.err).toMatch(/^rotate found no AWS region to call: set AWS_REGION/);
    expect(refused.err).toMatch(/^rotate cannot use the AWS region \(.*"eu west 1".*\): set AWS_REGION/);
    expect(await currentVersion()).toBe(before);
    expect(labelEvents).toEqual([]);
  });

  it("takes the region from AWS_DEFAULT_REGION (the AWS CLI's) or from the profile in the shared config file", async () => {
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    const byVariable = await runWithEnv(['rotate', SECRET, file], { ...env, ...withoutRegion(), AWS_DEFAULT_REGION: 'eu-west-1' });
    const byProfile = await runWithEnv(['rotate', SECRET, file], {
      ...env,
      ...withoutRegion(),
      AWS_CONFIG_FILE: tempFile('config', '[default]\nregion = eu-west-1\n'),
    });

    expect([byVariable.code, byProfile.code]).toEqual([0, 0]);
    expect(labelEvents).toHaveLength(2);
  });

  it('reports a Secrets Manager that cannot be reached in one line, with exit code 3', async () => {
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    const result = await runWithEnv(['rotate', SECRET, file, '--timeout', '5'], {
      ...env,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
    });

    expect(result.code).toBe(3);
    expect(result.err).toMatch(new RegExp(`^rotate failed: PutSecretValue on ${SECRET}: `));
    expect(result.err.split('\n')).toHaveLength(1);
  });

  it('gives up on a Secrets Manager that does not answer by --timeout, saying the version may or may not be current', async () => {
    // given a Secrets Manager that holds the next PutSecretValue without an answer
    aws.hangNext('PutSecretValue');
    const file = tempFile('new.json', JSON.stringify({ personal_access_token: freshToken() }));

    const result = await runWithEnv(['rotate', SECRET, file, '--timeout', '1'], env);

    expect(result.code).toBe(3);
    expect(result.err).toBe(
      `rotate failed: PutSecretValue on ${SECRET}: no answer in time; a new version may or may not be current ` +
        `(aws secretsmanager describe-secret --secret-id ${SECRET} shows which is)`,
    );
  });
});
