/**
 * The stand-in's versioned secrets through the real AWS SDK v3 client, as the functions talk to Secrets Manager.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsStandIn, type SecretLabelUpdatedEvent, startAwsStandIn } from '../../../local/aws/aws-stand-in';

const FIXTURE_NAME = 'fivetran/gitlab/fixture-team';
const FIXTURE_VALUE = '{"personal_access_token":"fake-pat-fixture-000"}';
let aws: AwsStandIn;
let client: SecretsManagerClient;
const fromOption: SecretLabelUpdatedEvent[] = [];

beforeAll(async () => {
  aws = await startAwsStandIn({ secrets: { [FIXTURE_NAME]: FIXTURE_VALUE }, onSecretLabelUpdated: (event) => fromOption.push(event) });
  client = new SecretsManagerClient({
    endpoint: aws.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'fake-access-key', secretAccessKey: 'fake-secret-key' },
  });
});
afterAll(async () => {
  client.destroy();
  await aws.close();
});

/** A fresh secret with one version, so tests do not share label history. */
async function freshSecret(name: string, value = 'fake-value-1'): Promise<string> {
  const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return created.VersionId!;
}

function labelEvents(): { events: SecretLabelUpdatedEvent[]; stop: () => void } {
  const events: SecretLabelUpdatedEvent[] = [];
  const stop = aws.onSecretLabelUpdated((event) => events.push(event));
  return { events, stop };
}

describe('the AWS stand-in: versioned secrets', () => {
  it('gives a secret loaded from fixtures a first version labelled AWSCURRENT, with ARN, Name and VersionId', async () => {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: FIXTURE_NAME }));

    expect(answer).toMatchObject({ Name: FIXTURE_NAME, SecretString: FIXTURE_VALUE, VersionStages: ['AWSCURRENT'] });
    expect(answer.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${FIXTURE_NAME}-`));
    expect(answer.VersionId).toEqual(expect.any(String));
  });

  it('PutSecretValue moves AWSCURRENT to the new version and AWSPREVIOUS to the old one, and both stay readable', async () => {
    // Given a secret with one version
    const first = await freshSecret('lc/rotating');

    // When a new value is put
    const put = await client.send(new PutSecretValueCommand({ SecretId: 'lc/rotating', SecretString: 'fake-value-2' }));

    // Then the labels moved, and each version reads by id and by label
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'lc/rotating' }));
    expect(described.Name).toBe('lc/rotating');
    expect(described.VersionIdsToStages).toEqual({ [first]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] });
    expect(described).not.toHaveProperty('SecretString');
    const byId = await client.send(new GetSecretValueCommand({ SecretId: 'lc/rotating', VersionId: first }));
    const byStage = await client.send(new GetSecretValueCommand({ SecretId: described.ARN!, VersionStage: 'AWSPREVIOUS' }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'lc/rotating' }));
    expect([byId.SecretString, byStage.SecretString, current.SecretString]).toEqual(['fake-value-1', 'fake-value-1', 'fake-value-2']);
    expect(byId.VersionStages).toEqual(['AWSPREVIOUS']);
  });

  it('a third version leaves the first without a label: listed only when deprecated versions are asked for', async () => {
    const first = await freshSecret('lc/three');
    await client.send(new PutSecretValueCommand({ SecretId: 'lc/three', SecretString: 'fake-value-2' }));
    await client.send(new PutSecretValueCommand({ SecretId: 'lc/three', SecretString: 'fake-value-3' }));

    const labelled = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'lc/three' }));
    const all = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'lc/three', IncludeDeprecated: true }));

    expect(labelled.Versions?.map((version) => version.VersionStages)).toEqual([['AWSPREVIOUS'], ['AWSCURRENT']]);
    expect(all.Versions?.find((version) => version.VersionId === first)?.VersionStages).toEqual([]);
    expect(all.Name).toBe('lc/three');
  });

  it('uses ClientRequestToken as the version id: the same token and value again is ignored, another value is ResourceExistsException', async () => {
    // Given a secret and a put with a chosen token
    await freshSecret('lc/idempotent');
    const token = 'a1b2c3d4-0000-4000-8000-00000000000a';
    const { events, stop } = labelEvents();
    const firstPut = await client.send(
      new PutSecretValueCommand({ SecretId: 'lc/idempotent', SecretString: 'fake-v2', ClientRequestToken: token }),
    );

    // When the same put is repeated, and the token is reused for another value
    const repeated = await client.send(
      new PutSecretValueCommand({ SecretId: 'lc/idempotent', SecretString: 'fake-v2', ClientRequestToken: token }),
    );
    const conflict = await client
      .send(new PutSecretValueCommand({ SecretId: 'lc/idempotent', SecretString: 'fake-other-M4RK3R', ClientRequestToken: token }))
      .catch((error: unknown) => error);
    stop();

    // Then one version was made, one event sent, and the conflict names no value
    expect([firstPut.VersionId, repeated.VersionId]).toEqual([token, token]);
    expect(events).toHaveLength(1);
    expect(conflict).toMatchObject({ name: 'ResourceExistsException' });
    expect(String((conflict as Error).message)).not.toContain('M4RK3R');
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'lc/idempotent' }));
    expect(current.SecretString).toBe('fake-v2');
  });

  it('emits Secret Label Updated when AWSCURRENT moves, to every listener, with the name, the ARN and the version id', async () => {
    // Given a secret and a listener
    await freshSecret('lc/evented');
    const { events, stop } = labelEvents();

    // When a new version is put
    const put = await client.send(new PutSecretValueCommand({ SecretId: 'lc/evented', SecretString: 'fake-evented-2' }));
    stop();

    // Then the event is EventBridge's shape and carries no value
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'lc/evented' }));
    expect(events).toEqual([
      {
        version: '0',
        id: expect.any(String),
        'detail-type': 'Secret Label Updated',
        source: 'aws.secretsmanager',
        account: '000000000000',
        time: expect.any(String),
        region: 'us-east-1',
        resources: [described.ARN],
        detail: { name: 'lc/evented', labelUpdated: 'AWSCURRENT', versionId: put.VersionId },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('fake-evented-2');
    expect(fromOption.map((event) => event.detail.name)).toContain('lc/evented');
  });

  it('a put with custom VersionStages leaves AWSCURRENT where it is and sends no event', async () => {
    const first = await freshSecret('lc/pending');
    const { events, stop } = labelEvents();

    const put = await client.send(
      new PutSecretValueCommand({ SecretId: 'lc/pending', SecretString: 'fake-pending', VersionStages: ['AWSPENDING'] }),
    );
    stop();

    const described = await client.send(new DescribeSecretCommand({ SecretId: 'lc/pending' }));
    expect(described.VersionIdsToStages).toEqual({ [first]: ['AWSCURRENT'], [put.VersionId!]: ['AWSPENDING'] });
    expect(events).toEqual([]);
  });

  it('a listener that throws does not fail the put', async () => {
    await freshSecret('lc/listener-throws');
    const stop = aws.onSecretLabelUpdated(() => {
      throw new Error('listener down');
    });

    const put = await client.send(new PutSecretValueCommand({ SecretId: 'lc/listener-throws', SecretString: 'fake-v2' }));
    stop();

    expect(put.VersionId).toEqual(expect.any(String));
  });

  it.each([
    ['an unknown secret', { SecretId: 'lc/missing' }],
    ['an unknown VersionId', { SecretId: FIXTURE_NAME, VersionId: '00000000-0000-4000-8000-000000000000' }],
    ['a label no version carries', { SecretId: FIXTURE_NAME, VersionStage: 'AWSPREVIOUS' }],
  ])('answers ResourceNotFoundException for %s', async (_case, input) => {
    const error = await client.send(new GetSecretValueCommand(input)).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses CreateSecret for a name that exists with ResourceExistsException', async () => {
    const error = await client
      .send(new CreateSecretCommand({ Name: FIXTURE_NAME, SecretString: 'fake-x' }))
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ResourceExistsException' });
  });
});
