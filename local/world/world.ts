import { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { type AwsStandIn, type PublishedEvent, startAwsStandIn } from '../aws/aws-stand-in';
import { type LambdaStandIn, startLambdaStandIn } from '../aws/lambda-stand-in';
import { type SqsWithMoveTasks, startSqsWithMoveTasks } from '../aws/sqs-move-tasks';
import { type FivetranSandbox, startFivetranSandbox } from '../fivetran-sandbox/server';
import type { FivetranSandboxOptions } from '../fivetran-sandbox/types';
import { type Cleanups, createCleanups } from './cleanups';
import { applyEnv, awsEnv } from './env';
import { API_KEY_SECRET_ID, FAKE_API_KEY } from './fixtures';
import { type Interposer, startInterposer } from './interposer';
import { captureLogs } from './logs';
import { type DeadLetter, readDeadLetters, type SentMessage, sendMessages, waitUntilDrained } from './messages';
import { onPort } from './ports';
import { createProvisioningQueues, type ProvisioningQueues } from './queues';
import { WORLD_REGION } from './settings';

export type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

export interface WorldOptions {
  /**
   * fauxqs; `moveTasks` adds the stand-in that gives it SQS's message move tasks (the AWS case of a redrive); `host` puts
   * the region in its queue URLs (sqs.<region>.<host>:PORT).
   */
  sqs?: boolean | { moveTasks?: boolean; port?: number; host?: string };
  /** A provisioning queue and its dead-letter queue, wired as the stack wires them (needs `sqs`). */
  queues?: { visibilityTimeoutSeconds: number; maxReceiveCount: number; names?: { queue: string; deadLetterQueue: string } };
  /** The Secrets Manager and EventBridge stand-in; `lambda` adds Lambda's Invoke, `s3` points S3 at fauxqs; `onEvent` sees each event PutEvents accepts. */
  aws?: boolean | { lambda?: boolean; s3?: boolean; port?: number; onEvent?: (event: PublishedEvent) => void };
  /** The Fivetran sandbox (on `port`, when given), accepting `apiKey`. */
  fivetran?: boolean | Omit<FivetranSandboxOptions, 'apiKey' | 'apiSecret' | 'host'>;
  /**
   * The API key the sandbox accepts and the API key secret holds. Default FAKE_API_KEY; false: the sandbox's own
   * key, and no API key secret.
   */
  apiKey?: { apiKey: string; apiSecret: string } | false;
  /** The name of the API key secret. Default API_KEY_SECRET_ID. */
  apiKeySecretId?: string;
  /** Secrets Manager: name → value (objects as JSON), besides the API key secret (a value given here wins). */
  secrets?: Record<string, unknown>;
  /** Interposers in front of SQS and of Fivetran, for tests whose dependencies hang, redirect or lie. */
  interpose?: boolean;
  /** 'process' (default) sets the endpoint variables in this process until stop; 'child' only puts them in `env`. */
  env?: 'process' | 'child';
  /** More variables to set beside the endpoints (POWERTOOLS_LOG_LEVEL, …), in this process or in `env` alike. */
  variables?: Record<string, string>;
  /** 'capture' keeps this process's stdout and stderr in `logLines` until stop. */
  logs?: 'capture' | 'inherit';
  region?: string;
}

export interface World {
  fauxqs?: Fauxqs;
  moveTasks?: SqsWithMoveTasks;
  aws?: AwsStandIn;
  lambda?: LambdaStandIn;
  sandbox?: FivetranSandbox;
  interposers?: { sqs: Interposer; fivetran: Interposer };
  /** A client of the world's SQS (through the interposer when there is one). */
  sqs?: SQSClient;
  s3?: S3Client;
  queues?: ProvisioningQueues;
  /** Where the functions call Fivetran: the sandbox, or its interposer. */
  fivetranUrl?: string;
  region: string;
  /** The AWS variables that point a process at the world's servers. */
  env: Readonly<Record<string, string>>;
  logLines: string[];
  send(messages: readonly SentMessage[]): Promise<string[]>;
  waitUntilDrained(timeoutMs: number): Promise<boolean>;
  deadLetters(): Promise<DeadLetter[]>;
  events(): readonly PublishedEvent[];
  /** Restores the environment and the logs, forgets cached secrets, closes every server; every step runs even if one fails. */
  stop(): Promise<void>;
}

/** The one builder of the test world: the servers a test, a benchmark or the local run talks to, on loopback. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const region = options.region ?? WORLD_REGION;
  const cleanups = createCleanups();
  try {
    const world = await assemble(options, region, cleanups);
    let stopping: Promise<void> | undefined;
    return { ...world, stop: () => (stopping ??= cleanups.run()) };
  } catch (error) {
    await cleanups.run().catch(() => undefined);
    throw error;
  }
}

async function assemble(options: WorldOptions, region: string, cleanups: Cleanups): Promise<Omit<World, 'stop'>> {
  const sqsOptions = typeof options.sqs === 'object' ? options.sqs : {};
  const awsOptions = typeof options.aws === 'object' ? options.aws : {};
  const sandboxOptions = typeof options.fivetran === 'object' ? options.fivetran : {};
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  // A fixed port that is taken fails naming the part; a free one (0) cannot be taken.
  const listen = <T>(what: string, port: number | undefined, start: () => Promise<T>) => onPort(what, port ?? 0, start);

  const fauxqs =
    options.sqs || awsOptions.s3
      ? await listen('SQS', sqsOptions.port, () =>
          startFauxqs({ port: sqsOptions.port ?? 0, logger: false, ...(sqsOptions.host ? { host: sqsOptions.host } : {}) }),
        )
      : undefined;
  if (fauxqs) cleanups.push(() => fauxqs.stop());
  const moveTasks = fauxqs && sqsOptions.moveTasks ? await startSqsWithMoveTasks(fauxqs.address, region) : undefined;
  if (moveTasks) cleanups.push(() => moveTasks.close());
  const apiKeySecret = apiKey ? { [options.apiKeySecretId ?? API_KEY_SECRET_ID]: apiKey } : {};
  const secrets = Object.entries({ ...apiKeySecret, ...options.secrets }).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
  const aws = options.aws
    ? await listen('Secrets Manager and EventBridge', awsOptions.port, () =>
        startAwsStandIn({
          region,
          secrets: Object.fromEntries(secrets),
          ...(awsOptions.port === undefined ? {} : { port: awsOptions.port }),
          ...(awsOptions.onEvent ? { onEvent: awsOptions.onEvent } : {}),
        }),
      )
    : undefined;
  if (aws) cleanups.push(() => aws.close());
  const lambda = awsOptions.lambda ? await startLambdaStandIn() : undefined;
  if (lambda) cleanups.push(() => lambda.close());
  const sandbox = options.fivetran
    ? await listen('the Fivetran sandbox', sandboxOptions.port, () => startFivetranSandbox({ ...(apiKey || {}), ...sandboxOptions }))
    : undefined;
  if (sandbox) cleanups.push(() => sandbox.close());
  const interposers =
    options.interpose && fauxqs && sandbox
      ? { sqs: await startInterposer(fauxqs.address), fivetran: await startInterposer(sandbox.url) }
      : undefined;
  if (interposers) cleanups.push(() => Promise.all([interposers.sqs.close(), interposers.fivetran.close()]));

  const endpoints = {
    ...(fauxqs && options.sqs ? { sqs: interposers?.sqs.url ?? fauxqs.address } : {}),
    ...(fauxqs && awsOptions.s3 ? { s3: fauxqs.address } : {}),
    ...(aws ? { secretsManager: aws.url, eventBridge: aws.url } : {}),
    ...(lambda ? { lambda: lambda.url } : {}),
  };
  // A world without AWS servers leaves the AWS variables as they are.
  const env = Object.keys(endpoints).length === 0 ? {} : awsEnv(endpoints, { region, fakeCredentials: true });
  Object.assign(env, options.variables);
  if (options.env !== 'child') {
    const overrides = applyEnv(env);
    cleanups.push(() => overrides.restore());
  }
  const logs = options.logs === 'capture' ? captureLogs() : undefined;
  if (logs) cleanups.push(() => logs.restore());

  const sqs = fauxqs && options.sqs ? createSqsClient({ endpoint: env.AWS_ENDPOINT_URL_SQS!, region }) : undefined;
  if (sqs) cleanups.push(() => sqs.destroy());
  const s3 = fauxqs && awsOptions.s3 ? new S3Client({ forcePathStyle: true, endpoint: fauxqs.address, region }) : undefined;
  if (s3) cleanups.push(() => s3.destroy());
  const queues =
    sqs && options.queues
      ? await createProvisioningQueues(sqs, options.queues.names ?? PROVISIONING_QUEUE_NAMES, options.queues)
      : undefined;

  const needQueues = () => {
    if (!sqs || !queues) throw new Error('This world has no provisioning queues: start it with `sqs` and `queues`');
    return { sqs, queues };
  };
  return {
    ...(fauxqs ? { fauxqs } : {}),
    ...(moveTasks ? { moveTasks } : {}),
    ...(aws ? { aws } : {}),
    ...(lambda ? { lambda } : {}),
    ...(sandbox ? { sandbox, fivetranUrl: interposers?.fivetran.url ?? sandbox.url } : {}),
    ...(interposers ? { interposers } : {}),
    ...(sqs ? { sqs } : {}),
    ...(s3 ? { s3 } : {}),
    ...(queues ? { queues } : {}),
    region,
    env,
    logLines: logs?.lines ?? [],
    send: (messages) => sendMessages(needQueues().sqs, needQueues().queues.queueUrl, messages),
    waitUntilDrained: (timeoutMs) => waitUntilDrained(needQueues().sqs, needQueues().queues.queueUrl, timeoutMs),
    deadLetters: () => readDeadLetters(needQueues().sqs, needQueues().queues.dlqUrl!),
    events: () => aws?.events ?? [],
  };
}

const PROVISIONING_QUEUE_NAMES = { queue: 'provisioning', deadLetterQueue: 'provisioning-dlq' };
