import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { reapplyRequestFor } from '../../../shared/contracts/lifecycle-request';
import { enqueue, validateRequest } from '../../../shared/producer';
import { validRequests } from './support/producer-requests';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const options = { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning', sqsClient: new SQSClient({}) };
const entries = () =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => (call.args[0].input as SendMessageBatchCommandInput).Entries ?? []);

describe('enqueue: lifecycle requests', () => {
  it('sends a lifecycle request with requestSchemaVersion 2 and a create beside it with 1', async () => {
    // given a create and a rotation's re-apply request
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: input.Entries!.map((entry) => ({ Id: entry.Id, MessageId: `m-${entry.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));
    const reapply = reapplyRequestFor('conn_1', 'a1b2c3d4-0000-4000-8000-000000000001', 'rotation');
    // when both are enqueued
    const results = await enqueue([validRequests(1)[0], reapply], options);
    // then both are sent, each with the version its kind needs
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent']);
    expect(entries().map((entry) => entry.MessageAttributes?.requestSchemaVersion?.StringValue)).toEqual(['1', '2']);
    expect(JSON.parse(entries()[1]!.MessageBody!)).toEqual(reapply);
  });

  it('refuses, unsent, a lifecycle request the worker would refuse: an inline secret inside changes', async () => {
    const secret = `glpat-fake-${'Z'.repeat(20)}`;
    const update = {
      requestId: 'u-1',
      action: 'update',
      target: { connectionId: 'conn_1' },
      changes: { config: { personal_access_token: secret } },
    };
    const results = await enqueue([update], options);
    expect(results).toMatchObject([{ status: 'refused', code: 'INVALID_REQUEST', requestId: 'u-1' }]);
    expect(JSON.stringify(results)).not.toContain(secret);
    expect(entries()).toEqual([]);
  });

  it('tells a caller which version a valid request travels with', () => {
    expect(validateRequest({ requestId: 'p-1', action: 'resume', target: { requestId: 'c-1' } })).toMatchObject({
      ok: true,
      schemaVersion: '2',
    });
  });
});
