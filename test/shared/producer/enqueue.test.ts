import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_SCHEMA_VERSION } from '../../../shared/contracts/request';
import { type EnqueueOptions, enqueue } from '../../../shared/producer';
import { invalidRequest, validRequests } from './support/producer-requests';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning';
const options = (overrides: Partial<EnqueueOptions> = {}): EnqueueOptions => ({
  queueUrl: QUEUE_URL,
  sqsClient: new SQSClient({}),
  sleep: async () => undefined,
  ...overrides,
});
const calls = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input as SendMessageBatchCommandInput);
const sentIds = () => calls().map((input) => input.Entries!.map((entry) => entry.Id));
/** Answers every entry as sent, with a message id derived from its entry id. */
const acceptAll = (input: SendMessageBatchCommandInput) => ({
  Successful: input.Entries!.map((entry) => ({ Id: entry.Id, MessageId: `m-${entry.Id}`, MD5OfMessageBody: '' })),
  Failed: [],
});

describe('enqueue', () => {
  it('sends requests in batches of at most ten, each with the request schema version attribute', async () => {
    // given 12 valid requests
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    // when they are enqueued
    const results = await enqueue(validRequests(12), options());
    // then two calls carry them, and each message says which contract it follows
    expect(sentIds()).toEqual([
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      ['10', '11'],
    ]);
    const entry = calls()[0]!.Entries![0]!;
    expect(entry.MessageAttributes).toEqual({ requestSchemaVersion: { DataType: 'String', StringValue: REQUEST_SCHEMA_VERSION } });
    expect(JSON.parse(entry.MessageBody!)).toEqual(validRequests(1)[0]);
    expect(calls()[0]!.QueueUrl).toBe(QUEUE_URL);
    expect(results.map((result) => result.status)).toEqual(Array(12).fill('sent'));
    expect(results[11]).toEqual({ index: 11, status: 'sent', requestId: 'batch-11', messageId: 'm-11', attempts: 1 });
  });

  it('refuses an invalid request with its reason and still sends the valid ones', async () => {
    // given a valid request, an invalid one, and another valid one
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const [first, second] = validRequests(2);
    // when they are enqueued
    const results = await enqueue([first, invalidRequest(), second], options());
    // then only the valid ones reach SQS, and the invalid one says which fields are wrong
    expect(sentIds()).toEqual([['0', '2']]);
    expect(results[1]).toMatchObject({ status: 'refused', code: 'INVALID_REQUEST', requestId: 'invalid-1', attempts: 0 });
    const reason = (results[1] as { reason: string }).reason;
    expect(reason).toContain('connection.sync_frequency');
    expect(reason).toContain('connection.config.personal_access_token');
    expect(reason).not.toContain('pasted-secret');
    expect(results.filter((result) => result.status === 'sent')).toHaveLength(2);
  });

  it('refuses a request that cannot be written as JSON on its own, and still sends and reports the others', async () => {
    // given valid requests around a BigInt, a circular reference, a throwing getter and a hole
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const [first, last] = validRequests(2);
    const withBigInt = { ...validRequests(1)[0], requestId: 'has-bigint', context: { requestedBy: 10n } };
    const circular: Record<string, unknown> = { requestId: 'circular' };
    circular.self = circular;
    const throwing = Object.defineProperty({ requestId: 'throws' }, 'connection', {
      enumerable: true,
      get() {
        throw new Error('no connection today');
      },
    });
    // biome-ignore lint/suspicious/noSparseArray: a hole in the caller's array is one of the unserializable requests.
    const requests: unknown[] = [first, withBigInt, circular, throwing, , last];
    // when they are enqueued
    const results = await enqueue(requests, options());
    // then each unserializable request has its own INVALID_REQUEST result, and the valid ones were sent
    expect(results).toHaveLength(requests.length);
    expect(results.map((result) => [result.index, result.status, result.status === 'refused' ? result.code : result.requestId])).toEqual([
      [0, 'sent', first!.requestId],
      [1, 'refused', 'INVALID_REQUEST'],
      [2, 'refused', 'INVALID_REQUEST'],
      [3, 'refused', 'INVALID_REQUEST'],
      [4, 'refused', 'INVALID_REQUEST'],
      [5, 'sent', last!.requestId],
    ]);
    expect(results.slice(1, 4).map((result) => result.requestId)).toEqual(['has-bigint', 'circular', 'throws']);
    expect((results[2] as { reason: string }).reason).toMatch(/^the request cannot be written as JSON \(TypeError: /);
    expect(sentIds()).toEqual([['0', '5']]);
  });

  it('splits batches by payload size as well as by count', async () => {
    // given three requests and a batch limit that holds only two of them
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const requests = validRequests(3);
    const oneRequestBytes = JSON.stringify(requests[0]).length + 40;
    // when they are enqueued
    await enqueue(requests, options({ maxBatchBytes: oneRequestBytes * 2 }));
    // then the third goes in a second call
    expect(sentIds()).toEqual([['0', '1'], ['2']]);
  });

  it('re-sends only the entries that failed with a retryable error', async () => {
    // given SQS fails one entry internally and throttles another, then accepts them
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '' }],
        Failed: [
          { Id: '1', SenderFault: false, Code: 'InternalError', Message: 'try again' },
          { Id: '2', SenderFault: true, Code: 'RequestThrottled', Message: 'slow down' },
        ],
      })
      .callsFake(acceptAll);
    // when three requests are enqueued
    const results = await enqueue(validRequests(3), options());
    // then the second call carries just the two failed entries, and all three are sent
    expect(sentIds()).toEqual([
      ['0', '1', '2'],
      ['1', '2'],
    ]);
    expect(results.map((result) => [result.status, result.attempts])).toEqual([
      ['sent', 1],
      ['sent', 2],
      ['sent', 2],
    ]);
  });

  it('refuses an entry SQS rejects as the sender fault, without sending it again', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '' }],
      Failed: input.Entries!.length > 1 ? [{ Id: '1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad character' }] : [],
    }));
    const results = await enqueue(validRequests(2), options());
    expect(sentIds()).toEqual([['0', '1']]);
    expect(results[1]).toMatchObject({
      status: 'refused',
      code: 'SQS_REJECTED',
      reason: 'InvalidMessageContents: bad character',
      attempts: 1,
    });
  });

  it('gives an entry up as SQS_UNAVAILABLE once its attempts are spent', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError', Message: 'down' }] });
    const results = await enqueue(validRequests(1), options({ maxAttempts: 3 }));
    expect(calls()).toHaveLength(3);
    expect(results[0]).toMatchObject({ status: 'refused', code: 'SQS_UNAVAILABLE', attempts: 3 });
    expect((results[0] as { reason: string }).reason).toMatch(/InternalError: down \(gave up after 3 attempts\)/);
  });

  it('sends a whole batch again after a call that failed with a server fault', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable', $fault: 'server' }))
      .callsFake(acceptAll);
    const results = await enqueue(validRequests(2), options());
    expect(sentIds()).toEqual([
      ['0', '1'],
      ['0', '1'],
    ]);
    expect(results.every((result) => result.status === 'sent')).toBe(true);
  });

  it('stops at a call that fails for a reason every call would share, and refuses the rest with it', async () => {
    // given a queue that does not exist
    sqs
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist', $fault: 'client' }));
    // when 25 requests (three batches) are enqueued one batch at a time
    const results = await enqueue(validRequests(25), options({ concurrency: 1 }));
    // then only the first batch was tried, and every request carries the reason
    expect(calls()).toHaveLength(1);
    expect(new Set(results.map((result) => result.status === 'refused' && `${result.code} ${result.reason}`))).toEqual(
      new Set(['SQS_REJECTED QueueDoesNotExist: The specified queue does not exist.']),
    );
  });

  it('reports progress until every request is settled', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const seen: Array<{ sent: number; refused: number }> = [];
    await enqueue([...validRequests(11), invalidRequest()], options({ onProgress: ({ sent, refused }) => seen.push({ sent, refused }) }));
    expect(seen.at(-1)).toEqual({ sent: 11, refused: 1 });
    expect(seen).toHaveLength(12);
  });
});
