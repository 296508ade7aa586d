import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Feeds an SQS queue to a Lambda handler the way Lambda's SQS event source
 * mapping does: long polling, batches, deleting only the records the handler
 * did not report as failed. Failed records stay in flight and come back when
 * their visibility timeout (possibly changed by the handler) runs out; the
 * queue's redrive policy moves poison messages to its dead-letter queue. A
 * handler that has not answered by the function timeout fails its whole
 * batch, as when Lambda stops it.
 */

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsBatchHandler;
  /** Up to 10, as ReceiveMessage allows. */
  batchSize?: number;
  /** Long-polling wait; 20 s is SQS's maximum. */
  waitTimeSeconds?: number;
  /** The function's timeout, which getRemainingTimeInMillis counts down from. */
  functionTimeoutMs?: number;
  functionArn?: string;
  region?: string;
  /** Called after every batch, for progress reporting. */
  onBatch?: (batch: BatchReport) => void;
}

export interface BatchReport {
  received: number;
  failed: number;
  deleted: number;
  handlerError?: unknown;
}

export interface Poller {
  /** Stops after the batch in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/** Receives one batch, runs the handler on it and deletes what succeeded. */
export async function pollOnce(options: PollerOptions, invocation = 0): Promise<BatchReport> {
  const answer = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      WaitTimeSeconds: options.waitTimeSeconds ?? 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  const messages = answer.Messages ?? [];
  if (messages.length === 0) return { received: 0, failed: 0, deleted: 0 };

  const region = options.region ?? options.queueArn.split(':')[3] ?? 'us-east-1';
  const records = messages.map((message) => toRecord(message, options.queueArn, region));
  let failedIds: Set<string>;
  let handlerError: unknown;
  const timeoutMs = options.functionTimeoutMs ?? 90_000;
  let timer: NodeJS.Timeout | undefined;
  // Lambda stops a handler at its timeout; its answer, if it comes later, is never seen.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)), timeoutMs);
  });
  try {
    const response = await Promise.race([options.handler({ Records: records }, lambdaContext(options, invocation)), timedOut]);
    failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  } catch (error) {
    // A handler that throws, or runs out of time, fails the whole batch, as in Lambda.
    handlerError = error;
    failedIds = new Set(records.map((record) => record.messageId));
  } finally {
    clearTimeout(timer);
  }
  const done = records.filter((record) => !failedIds.has(record.messageId));
  if (done.length > 0) {
    const result = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
    if (result.Failed && result.Failed.length > 0) {
      // Not deleted means delivered again later: safe, the handler is idempotent.
      return { received: records.length, failed: failedIds.size, deleted: done.length - result.Failed.length, handlerError };
    }
  }
  return { received: records.length, failed: failedIds.size, deleted: done.length, ...(handlerError ? { handlerError } : {}) };
}

/** Polls in a loop until stopped. */
export function startPoller(options: PollerOptions): Poller {
  let running = true;
  const loop = (async () => {
    for (let invocation = 1; running; invocation += 1) {
      try {
        const report = await pollOnce(options, invocation);
        options.onBatch?.(report);
      } catch (error) {
        if (!running) break;
        options.onBatch?.({ received: 0, failed: 0, deleted: 0, handlerError: error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function lambdaContext(options: PollerOptions, invocation: number): Context {
  const timeoutMs = options.functionTimeoutMs ?? 120_000;
  const startedAt = Date.now();
  const functionArn =
    options.functionArn ?? `arn:aws:lambda:${options.queueArn.split(':')[3]}:${options.queueArn.split(':')[4]}:function:local`;
  return {
    functionName: functionArn.split(':').pop() ?? 'local',
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '512',
    awsRequestId: `local-${invocation}-${startedAt}`,
    logGroupName: '/local/provisioner',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - startedAt)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
