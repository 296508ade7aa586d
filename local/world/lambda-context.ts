import { randomUUID } from 'node:crypto';
import type { Context, SQSRecord } from 'aws-lambda';

/** A Lambda context whose remaining time is `remainingMs()` (a fixed budget, or one that counts down). */
export function lambdaContext(functionArn: string, remainingMs: () => number, requestId: string = randomUUID()): Context {
  const functionName = functionArn.split(':').pop()!;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An SQS record as the event source mapping hands it to the function. */
export function sqsRecord(
  body: unknown,
  options: { messageId: string; receiveCount?: number; sentAt: number; queueArn: string },
): SQSRecord {
  const region = options.queueArn.split(':')[3]!;
  return {
    messageId: options.messageId,
    receiptHandle: `receipt-${options.messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(options.sentAt),
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: String(options.sentAt),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: region,
  };
}
