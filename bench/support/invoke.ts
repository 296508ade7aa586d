import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createProvisionHandler, type ProvisionHandlerOverrides } from '../../functions/provision/create-handler';
import { readSettings } from '../../shared/runtime/settings';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:bench';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bench';

/** The provisioning handler as Lambda would run it, with its logs kept quiet. */
export function benchHandler(env: Record<string, string>, overrides: ProvisionHandlerOverrides = {}) {
  const logger = new Logger({ serviceName: 'bench', logLevel: 'ERROR' });
  const handler = createProvisionHandler(readSettings('provision', env), { logger, ...overrides });
  let invocation = 0;
  return async (bodies: readonly unknown[]): Promise<SQSBatchResponse> => {
    invocation += 1;
    const records: SQSRecord[] = bodies.map((body, index) => ({
      messageId: `bench-${invocation}-${index}`,
      receiptHandle: `receipt-${invocation}-${index}`,
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'us-east-1',
    }));
    const startedAt = Date.now();
    const context: Context = {
      functionName: 'bench',
      functionVersion: '$LATEST',
      invokedFunctionArn: FUNCTION_ARN,
      memoryLimitInMB: '512',
      awsRequestId: `bench-${invocation}`,
      logGroupName: 'bench',
      logStreamName: 'bench',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => 90_000 - (Date.now() - startedAt),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    return (await handler({ Records: records }, context)) as SQSBatchResponse;
  };
}
