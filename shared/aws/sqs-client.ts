import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * An SQS client that sends every call to the endpoint the SDK resolved (the
 * region's, or `AWS_ENDPOINT_URL_SQS`), not to the host inside a queue URL.
 * On AWS the two are the same; a local SQS server hands out URLs such as
 * `http://sqs.us-east-1.localhost:4566/...` whose host may not resolve.
 * `region` is only for a caller that knows the queue's region when the
 * environment names none.
 */
export function createSqsClient(config: Omit<SQSClientConfig, 'useQueueUrlAsEndpoint'> = {}): SQSClient {
  return new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
}

/** An SQS error as one line for a message: "QueueDoesNotExist: The specified queue does not exist." */
export function describeSqsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The region a queue URL or ARN names, if it names one: an ARN's region, an
 * AWS endpoint's (`sqs.eu-west-1.amazonaws.com`, `eu-west-1.queue.amazonaws.com`),
 * or a local server's `sqs.<region>.` prefix.
 *
 * @example regionOfQueue('https://sqs.eu-west-1.amazonaws.com/123456789012/requests') // 'eu-west-1'
 * @example regionOfQueue('arn:aws:sqs:us-west-2:123456789012:requests') // 'us-west-2'
 */
export function regionOfQueue(urlOrArn: string): string | undefined {
  const arn = /^arn:[a-z-]+:sqs:([a-z0-9-]+):/.exec(urlOrArn);
  if (arn) return arn[1];
  const host = hostOfUrl(urlOrArn);
  if (host === undefined) return undefined;
  const match =
    /^sqs(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(host) ?? /^([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com/.exec(host);
  return match?.[1];
}

/** Whether a configuration error stopped the call before it reached SQS: no region, no credentials, a malformed endpoint. */
export function isClientConfigurationError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'CredentialsProviderError' ||
    code === 'ERR_INVALID_URL' ||
    /^Region is missing|Invalid region in client config/.test(error.message)
  );
}

/**
 * The host of an http(s) URL, read without `new URL()`: to WHATWG a host
 * whose last label is a number must be an IPv4 address, so a local SQS
 * server's `sqs.us-east-1.127.0.0.1` is no URL to it.
 */
export function hostOfUrl(url: string): string | undefined {
  return /^https?:\/\/([^/:?#]+|\[[^\]]+\])/i.exec(url)?.[1]?.toLowerCase();
}
