import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * An SQS client that sends every call to the endpoint the SDK resolved (the
 * region's, or `AWS_ENDPOINT_URL_SQS`), not to the host inside a queue URL.
 * On AWS the two are the same; a local SQS server hands out URLs such as
 * `http://sqs.us-east-1.localhost:4566/...` whose host may not resolve.
 */
export function createSqsClient(config: Omit<SQSClientConfig, 'useQueueUrlAsEndpoint'> = {}): SQSClient {
  return new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
}

/** An SQS error as one line for a message: "QueueDoesNotExist: The specified queue does not exist." */
export function describeSqsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
