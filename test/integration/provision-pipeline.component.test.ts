import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { clearCache } from '@middy/util';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProvisionHandler } from '../../functions/provision/create-handler';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws/aws-stand-in';
import { startFivetranSandbox, type FivetranSandbox } from '../../local/fivetran-sandbox/server';
import { pollOnce, type PollerOptions } from '../../local/sqs-poller';
import { readSettings } from '../../shared/runtime/settings';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX, FAKE_API_KEY, FAKE_PAT, GROUP_CREDENTIALS, SECRET_MARKER, patRequest } from '../support/fixtures';

/**
 * The handler through the real AWS SDK over HTTP: SQS is fauxqs, Secrets
 * Manager and EventBridge are the loopback stand-in, Fivetran is the sandbox.
 * Nothing is mocked at the SDK.
 */
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let aws: AwsStandIn;
let sandbox: FivetranSandbox;
let sqs: SQSClient;
let poller: PollerOptions;
const logLines: string[] = [];

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  aws = await startAwsStandIn({
    region: 'eu-west-1',
    secrets: { [API_KEY_SECRET_ID]: JSON.stringify(FAKE_API_KEY), [`${GROUP_CREDENTIALS}team-a`]: JSON.stringify(FAKE_PAT) },
  });
  sandbox = await startFivetranSandbox({ apiKey: FAKE_API_KEY.apiKey, apiSecret: FAKE_API_KEY.apiSecret, groups: ['sandbox_group'] });
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGE', aws.url);
  const capture = (chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  };
  // Powertools writes INFO to stdout and WARN/ERROR to stderr: capture both.
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);

  sqs = createSqsClient();
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'provisioning-dlq' }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'provisioning',
      Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' }) },
    }),
  );
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn!;
  const config = readSettings('provision', {
    ...process.env,
    FIVETRAN_API_URL: sandbox.url,
    FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
    CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX,
    EVENT_BUS_NAME: 'provisioner-bus',
    MAX_RECEIVE_COUNT: '3',
  });
  poller = {
    sqs,
    queueUrl: queue.QueueUrl!,
    queueArn,
    handler: createProvisionHandler(config),
    waitTimeSeconds: 0,
    functionArn: `arn:aws:lambda:eu-west-1:${queueArn.split(':')[4]}:function:provisioner`,
  };
});

afterAll(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  clearCache();
  sqs?.destroy();
  await Promise.all([fauxqs?.stop(), aws?.close(), sandbox?.close()]);
});

const send = (body: unknown) => sqs.send(new SendMessageCommand({ QueueUrl: poller.queueUrl, MessageBody: JSON.stringify(body) }));

describe('provisioning pipeline over the real AWS SDK', () => {
  it('takes requests from SQS, creates connections, publishes outcomes and deletes only what is done', async () => {
    // given a good request and a bad one
    await send(patRequest({ schema: 'gitlab_good' }));
    await send({ requestId: 'broken' });

    // when the poller hands the batch to the handler
    const report = await pollOnce(poller);

    // then the good request is provisioned, the bad one refused, and both are deleted
    expect(report).toMatchObject({ received: 2, failed: 0, deleted: 2 });
    const outcomes = aws.events.map((event) => [event.detailType, event.detail]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['Connection Provisioned', expect.objectContaining({ schema: 'gitlab_good', outcome: 'created' })],
        ['Connection Provisioning Failed', expect.objectContaining({ requestId: 'broken', errorCode: 'INVALID_REQUEST' })],
      ]),
    );
    expect(aws.events.every((event) => event.source === 'fivetran.provisioner' && event.eventBusName === 'provisioner-bus')).toBe(true);
    expect(sandbox.connections().map((connection) => connection.schema)).toEqual(['gitlab_good']);

    // when Fivetran answers the next request with a long Retry-After
    sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 3600 });
    await send(patRequest({ schema: 'gitlab_later' }));
    expect(await pollOnce(poller)).toMatchObject({ received: 1, failed: 1, deleted: 0 });

    // then the record stays hidden for the Retry-After, instead of coming straight back
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: poller.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    expect(await pollOnce(poller)).toMatchObject({ received: 0 });

    // and the secrets were read once each, through the SDK
    expect([...aws.secretReads].sort()).toEqual([API_KEY_SECRET_ID, `${GROUP_CREDENTIALS}team-a`]);
    expect(logLines.join('')).not.toContain(SECRET_MARKER);
    expect(sandbox.contractViolations).toEqual([]);
  });
});
