import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/provision/create-handler';
import type { AwsStandIn } from '../../local/aws/aws-stand-in';
import type { FivetranSandbox } from '../../local/fivetran-sandbox/types';
import { type PollerOptions, pollOnce } from '../../local/sqs-poller';
import { API_KEY_SECRET_ID, FAKE_PAT, GROUP_CREDENTIALS, patRequest, SECRET_MARKER } from '../../local/world/fixtures';
import { provisionSettings } from '../../local/world/settings';
import { startWorld, type World } from '../../local/world/world';

/**
 * The handler through the real AWS SDK over HTTP: SQS is fauxqs, Secrets
 * Manager and EventBridge are the loopback stand-in, Fivetran is the sandbox.
 * Nothing is mocked at the SDK.
 */
let world: World;
let aws: AwsStandIn;
let sandbox: FivetranSandbox;
let sqs: SQSClient;
let poller: PollerOptions;
let logLines: string[];

beforeAll(async () => {
  world = await startWorld({
    sqs: true,
    queues: { visibilityTimeoutSeconds: 30, maxReceiveCount: 3 },
    aws: true,
    secrets: { [`${GROUP_CREDENTIALS}team-a`]: FAKE_PAT },
    fivetran: { groups: ['sandbox_group'] },
    logs: 'capture',
  });
  ({ aws, sandbox, sqs } = world as Required<World>);
  logLines = world.logLines;
  const { queueUrl, queueArn } = world.queues!;
  poller = {
    sqs,
    queueUrl,
    queueArn,
    handler: createHandler(provisionSettings(sandbox.url)),
    waitTimeSeconds: 0,
    functionArn: `arn:aws:lambda:eu-west-1:${queueArn.split(':')[4]}:function:provisioner`,
  };
});

afterAll(async () => {
  await world?.stop();
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
    expect(await pollOnce(poller)).toMatchObject({ received: 1, failed: 0, deleted: 1 });

    // then the request waits on the queue, delayed, instead of coming straight back or spending its deliveries
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: poller.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '1',
    });
    expect(await pollOnce(poller)).toMatchObject({ received: 0 });

    // and the secrets were read once each, through the SDK
    expect([...aws.secretReads].sort()).toEqual([API_KEY_SECRET_ID, `${GROUP_CREDENTIALS}team-a`]);
    expect(logLines.join('')).not.toContain(SECRET_MARKER);
    expect(sandbox.contractViolations).toEqual([]);
  });
});
