import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readQueueBacklog } from '../../../functions/backfill/queue-backlog';
import { deadlineAt } from '../../../shared/runtime/retry';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning';
const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());
const read = () => readQueueBacklog(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL, deadlineAt(Date.now() + 1_000, Date.now));

describe('readQueueBacklog', () => {
  it("reads SQS's counts of waiting, in-flight and delayed messages", async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        ApproximateNumberOfMessages: '7',
        ApproximateNumberOfMessagesNotVisible: '2',
        ApproximateNumberOfMessagesDelayed: '40',
      },
    });
    expect(await read()).toEqual({ waiting: 7, inFlight: 2, deferred: 40 });
  });

  it('says nothing rather than something false when SQS refuses or answers without the counts', async () => {
    sqs.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    expect(await read()).toBeUndefined();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '-1' } });
    expect(await read()).toBeUndefined();
  });
});
