import { type EnvOverrides, overrideEnv } from '../../cli/env-overrides';

/** Where the world's servers listen, for the AWS SDK's per-service endpoint variables. */
export interface WorldEndpoints {
  sqs?: string | undefined;
  s3?: string | undefined;
  secretsManager?: string | undefined;
  eventBridge?: string | undefined;
  lambda?: string | undefined;
}

export interface AwsIdentity {
  /** AWS_REGION; undefined leaves the variable as it is. */
  region: string | undefined;
  /** Fake credentials (the stand-ins check no signature), so that the SDK never looks for real ones. */
  fakeCredentials: boolean;
}

/**
 * The variables that point every AWS SDK client at the world's servers. The
 * one place these variables are written.
 */
export function awsEnv(endpoints: WorldEndpoints, identity: AwsIdentity): Record<string, string> {
  const env: Record<string, string> = {};
  if (identity.region) env.AWS_REGION = identity.region;
  if (identity.fakeCredentials) {
    env.AWS_ACCESS_KEY_ID = 'local';
    env.AWS_SECRET_ACCESS_KEY = 'local';
    env.AWS_EC2_METADATA_DISABLED = 'true';
  }
  if (endpoints.sqs) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  if (endpoints.s3) env.AWS_ENDPOINT_URL_S3 = endpoints.s3;
  if (endpoints.secretsManager) env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.secretsManager;
  if (endpoints.eventBridge) env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoints.eventBridge;
  if (endpoints.lambda) env.AWS_ENDPOINT_URL_LAMBDA = endpoints.lambda;
  return env;
}

/** Sets `env` in this process until restore; the SDK reads the endpoints when a client is created, so set them first. */
export function applyEnv(env: Record<string, string | undefined>): EnvOverrides {
  return overrideEnv(env);
}
