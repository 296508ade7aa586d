import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client that follows the SDK's usual settings. When an endpoint is
 * configured (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, read through the
 * settings) it is a local S3 server, which serves buckets by path, not by host
 * name; on AWS no endpoint is set and buckets are addressed the way AWS
 * recommends (virtual host).
 *
 * @example const s3 = createS3Client(config.awsEndpointUrlS3 !== undefined || config.awsEndpointUrl !== undefined);
 */
export function createS3Client(endpointConfigured: boolean): S3Client {
  return new S3Client({ forcePathStyle: endpointConfigured });
}
