import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client that follows the SDK's usual settings. When an endpoint is
 * configured (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`) it is a local S3
 * server, which serves buckets by path, not by host name; on AWS no endpoint
 * is set and buckets are addressed the way AWS recommends (virtual host).
 *
 * @example const s3 = createS3Client(); // AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566 → path-style
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const customEndpoint = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ forcePathStyle: customEndpoint });
}
