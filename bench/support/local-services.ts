import { type AwsStandIn, startAwsStandIn } from '../../local/aws/aws-stand-in';
import { type FivetranSandbox, type FivetranSandboxOptions, startFivetranSandbox } from '../../local/fivetran-sandbox/server';

export const BENCH_API_KEY = { apiKey: 'bench-key', apiSecret: 'bench-secret-not-real' };
export const BENCH_PREFIX = 'bench/gitlab/';
/** Credentials are filed by Fivetran group: the benchmarks' group keeps its secrets here. */
export const BENCH_CREDENTIALS = `${BENCH_PREFIX}bench_group/`;
export const BENCH_API_SECRET_ID = 'bench/api-key';

export interface LocalServices {
  sandbox: FivetranSandbox;
  aws: AwsStandIn;
  /** Settings for readSettings('provision'): the worker pointed at these services. */
  workerEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The Fivetran sandbox and the Secrets Manager / EventBridge stand-in, with
 * the AWS SDK pointed at the stand-in through its own endpoint variables.
 */
export async function startLocalServices(
  secrets: Record<string, unknown>,
  sandboxOptions: FivetranSandboxOptions = {},
): Promise<LocalServices> {
  const sandbox = await startFivetranSandbox({ ...BENCH_API_KEY, groups: ['bench_group'], ...sandboxOptions });
  const aws = await startAwsStandIn({
    secrets: Object.fromEntries(
      Object.entries({ [BENCH_API_SECRET_ID]: BENCH_API_KEY, ...secrets }).map(([name, value]) => [name, JSON.stringify(value)]),
    ),
  });
  const previous = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
  });
  return {
    sandbox,
    aws,
    workerEnv: {
      FIVETRAN_API_URL: sandbox.url,
      FIVETRAN_API_SECRET_ID: BENCH_API_SECRET_ID,
      CREDENTIALS_SECRET_PREFIX: BENCH_PREFIX,
      EVENT_BUS_NAME: 'bench-bus',
    },
    async close() {
      for (const key of Object.keys(process.env)) if (!(key in previous)) delete process.env[key];
      Object.assign(process.env, previous);
      await Promise.all([sandbox.close(), aws.close()]);
    },
  };
}

/** A provisioning request body for the benchmarks. */
export function benchRequest(schema: string, secret = `${BENCH_CREDENTIALS}team`, groupId = 'bench_group') {
  return {
    requestId: `bench-${schema}`,
    connection: {
      group_id: groupId,
      service: 'gitlab',
      run_setup_tests: true,
      config: { schema, auth: 'personal_access_token', base_url: 'gitlab.com' },
    },
    credentialsSecretId: secret,
  };
}
