import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqsClient } from '../../../shared/aws/sqs-client';
import { REQUEST_SCHEMA_VERSION } from '../../../shared/contracts/request';
import { parseProvisioningRequest } from '../../../shared/contracts/request-parser';
import { enqueue } from '../../../shared/producer';
import { invalidRequest, validRequests } from './support/producer-requests';

/** The producer over the real AWS SDK and wire protocol, against fauxqs. */
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address);
  sqs = createSqsClient();
  queueUrl = fauxqs.createQueue('producer-test').queueUrl;
});

afterAll(async () => {
  sqs?.destroy();
  vi.unstubAllEnvs();
  await fauxqs?.stop();
});

async function receiveAll(): Promise<Array<{ body: string; version: string | undefined; messageId: string }>> {
  const received = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return received;
    received.push(
      ...messages.map((message) => ({
        body: message.Body!,
        version: message.MessageAttributes?.requestSchemaVersion?.StringValue,
        messageId: message.MessageId!,
      })),
    );
  }
}

describe('enqueue against a real SQS wire protocol', () => {
  it('puts every valid request on the queue as a body the worker accepts, and nothing of an invalid one', async () => {
    // given 12 valid requests (two batches) and an invalid one in the middle
    const requests: unknown[] = validRequests(12, 'wire');
    requests.splice(5, 0, invalidRequest());
    // when they are enqueued with the client's default SQS client
    const results = await enqueue(requests, { queueUrl });
    // then the queue holds exactly the 12 valid ones, each with the schema version, under the ids reported
    const received = await receiveAll();
    expect(received).toHaveLength(12);
    expect(received.every((message) => message.version === REQUEST_SCHEMA_VERSION)).toBe(true);
    expect(received.map((message) => parseProvisioningRequest(message.body).ok)).toEqual(Array(12).fill(true));
    const sentIds = results.flatMap((result) => (result.status === 'sent' ? [result.messageId] : []));
    expect(new Set(received.map((message) => message.messageId))).toEqual(new Set(sentIds));
    expect(results[5]).toMatchObject({ status: 'refused', code: 'INVALID_REQUEST', requestId: 'invalid-1' });
  });
});
