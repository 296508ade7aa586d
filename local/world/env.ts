import { type EnvOverrides, overrideEnv } from '../../cli/env-overrides';

/** Where the world's servers listen, for the AWS SDK's per-service endpoint variables. */
export interface WorldEndpoints {
  sqs?: string;
  s3?: string;
  /** The Secrets Manager and EventBridge stand-in. */
  aws?: string;
  lambda?: string;
}

/**
 * The variables that point every AWS SDK client at the world's servers, with
 * fake credentials (the stand-ins check no signature) so that the SDK never
 * looks for real ones. The one place these variables are written.
 */
export function awsEnv(endpoints: WorldEndpoints, region: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  if (endpoints.sqs) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  if (endpoints.s3) env.AWS_ENDPOINT_URL_S3 = endpoints.s3;
  if (endpoints.aws) {
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.aws;
    env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoints.aws;
  }
  if (endpoints.lambda) env.AWS_ENDPOINT_URL_LAMBDA = endpoints.lambda;
  return env;
}

/** Sets `env` in this process until restore; the SDK reads the endpoints when a client is created, so set them first. */
export function applyEnv(env: Record<string, string | undefined>): EnvOverrides {
  return overrideEnv(env);
}
