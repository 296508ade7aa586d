import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { overrideEnv } from './env-overrides';
import { readStackFile, type StackFile } from './local-run-file';
import { UsageError } from './usage-error';

/**
 * Where `status` and `rotate` find the ledger and Secrets Manager: the
 * variables a deployment names them with (LEDGER_TABLE_NAME, the SDK's own
 * AWS_ENDPOINT_URL_* and region), else the running local world of the run
 * directory, as `enqueue` finds the local queue. `requireRegion` checks,
 * before the first call, that the SDK finds a region for it.
 */
export interface AwsTarget {
  /** Variables to set while the command's SDK clients are created: a local world's endpoints, region and fake credentials. */
  env: Record<string, string | undefined>;
  /** How the output names where it went: "(the local run, pid 123)", or "" for AWS as the SDK resolves it. */
  note: string;
  /** The running local world, when that is the target. */
  stack?: StackFile;
}

/** Fake credentials for a server on this machine only, and only when the shell has none of its own. */
function localCredentials(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const none = !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
  return { AWS_ACCESS_KEY_ID: none ? 'local' : undefined, AWS_SECRET_ACCESS_KEY: none ? 'local' : undefined };
}

/**
 * AWS as the SDK resolves it. The JavaScript SDK reads AWS_REGION and the
 * profile's `region`, never AWS_DEFAULT_REGION (the AWS CLI's), so that one
 * stands in for AWS_REGION when only it is set.
 */
function awsTarget(env: NodeJS.ProcessEnv): AwsTarget {
  return { env: { AWS_REGION: env.AWS_REGION ? undefined : env.AWS_DEFAULT_REGION || undefined }, note: '' };
}

/**
 * Stops `command` with a usage error (exit 2) before its first call when the
 * SDK finds no region for `target`, or one it refuses: each call would
 * otherwise fail with the SDK's bare "Region is missing". A local run's
 * target always names one.
 */
export async function requireRegion(target: AwsTarget, command: string): Promise<void> {
  const overrides = overrideEnv(target.env);
  // Every client resolves its region alike (AWS_REGION, then the profile's in the shared config file); this one makes no call.
  const client = new SecretsManagerClient({});
  try {
    await client.config.region();
  } catch (error) {
    const how = 'set AWS_REGION (for example AWS_REGION=eu-west-1) or a region for your profile in ~/.aws/config';
    // An empty AWS_REGION is none; any other the SDK refuses (its message quotes it) is named.
    const refused = error instanceof Error && /not accepted/i.test(error.message) && process.env.AWS_REGION !== '';
    throw new UsageError(
      refused ? `${command} cannot use the AWS region (${error.message}): ${how}` : `${command} found no AWS region to call: ${how}`,
      { cause: error },
    );
  } finally {
    client.destroy();
    overrides.restore();
  }
}

function localTarget(stack: StackFile, env: NodeJS.ProcessEnv, endpoints: Record<string, string | undefined>): AwsTarget {
  // A variable the user set wins over the run's, as for enqueue.
  const variables = Object.fromEntries(Object.entries(endpoints).map(([name, value]) => [name, env[name] ? undefined : value]));
  return {
    env: { ...variables, AWS_REGION: env.AWS_REGION ? undefined : stack.region, ...localCredentials(env) },
    note: ` (the local run, pid ${stack.pid})`,
    stack,
  };
}

export interface LedgerTarget extends AwsTarget {
  tableName: string;
}

/**
 * The ledger table: $LEDGER_TABLE_NAME on DynamoDB as the SDK resolves it
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, AWS_PROFILE, …), else the ledger of
 * a `start --watch` running with `runDir`, with its Secrets Manager too.
 */
export function resolveLedger(runDir: string, env: NodeJS.ProcessEnv): LedgerTarget {
  const tableName = env.LEDGER_TABLE_NAME;
  if (tableName) return { tableName, ...awsTarget(env) };
  const stack = readStackFile(runDir);
  if (stack === undefined) {
    throw new UsageError(
      'No ledger to read: set LEDGER_TABLE_NAME (the stack output LedgerTableName), or run "npm start -- --watch" in another terminal first' +
        ' (with the same --run-dir, if it has one)',
    );
  }
  if (stack.ledgerTableName === undefined || stack.dynamodbEndpoint === undefined) {
    throw new UsageError(
      `The local run (pid ${stack.pid}) does not name a ledger: set LEDGER_TABLE_NAME and AWS_ENDPOINT_URL_DYNAMODB to the ones it uses`,
    );
  }
  return {
    tableName: stack.ledgerTableName,
    ...localTarget(stack, env, {
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secretsManagerEndpoint,
    }),
  };
}

/**
 * Secrets Manager for `rotate`: as the SDK resolves it with --aws or
 * AWS_ENDPOINT_URL_SECRETS_MANAGER set; else the stand-in of a `start --watch`
 * running with `runDir` (whose `Secret Label Updated` the run's fan-out
 * hears); else AWS.
 */
export function resolveSecretsManager(runDir: string, env: NodeJS.ProcessEnv, aws: boolean): AwsTarget {
  if (aws || env.AWS_ENDPOINT_URL_SECRETS_MANAGER) return awsTarget(env);
  const stack = readStackFile(runDir);
  if (stack?.secretsManagerEndpoint === undefined) return awsTarget(env);
  return localTarget(stack, env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secretsManagerEndpoint });
}
