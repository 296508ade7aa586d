import { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { type AwsStandIn, type PublishedEvent, startAwsStandIn } from '../aws/aws-stand-in';
import { type LambdaStandIn, startLambdaStandIn } from '../aws/lambda-stand-in';
import { type SqsWithMoveTasks, startSqsWithMoveTasks } from '../aws/sqs-move-tasks';
import { type FivetranSandbox, startFivetranSandbox } from '../fivetran-sandbox/server';
import type { FivetranSandboxOptions } from '../fivetran-sandbox/types';
import { applyEnv, awsEnv } from './env';
import { API_KEY_SECRET_ID, FAKE_API_KEY } from './fixtures';
import { type Interposer, startInterposer } from './interposer';
import { captureLogs } from './logs';
import { type DeadLetter, readDeadLetters, type SentMessage, sendMessages, waitUntilDrained } from './messages';
import { createProvisioningQueues, type ProvisioningQueues } from './queues';
import { WORLD_REGION } from './settings';

export type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

export interface WorldOptions {
  /** fauxqs; `moveTasks` adds the stand-in that gives it SQS's message move tasks (the AWS case of a redrive). */
  sqs?: boolean | { moveTasks?: boolean };
  /** A provisioning queue and its dead-letter queue, wired as the stack wires them (needs `sqs`). */
  queues?: { visibilityTimeoutSeconds: number; maxReceiveCount: number; names?: { queue: string; deadLetterQueue: string } };
  /** The Secrets Manager and EventBridge stand-in; `lambda` adds Lambda's Invoke, `s3` points S3 at fauxqs. */
  aws?: boolean | { lambda?: boolean; s3?: boolean };
  /** The Fivetran sandbox, accepting `apiKey`. */
  fivetran?: boolean | Omit<FivetranSandboxOptions, 'apiKey' | 'apiSecret'>;
  /** The API key the sandbox accepts and the API key secret holds. Default FAKE_API_KEY. */
  apiKey?: { apiKey: string; apiSecret: string };
  /** Secrets Manager: name → value (objects as JSON), besides the API key secret. */
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
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const cleanups: Array<() => unknown> = [];
  const stop = async () => {
    let firstError: unknown;
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  };
  try {
    const world = await assemble(options, region, apiKey, cleanups);
    let stopping: Promise<void> | undefined;
    return { ...world, stop: () => (stopping ??= stop()) };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function assemble(
  options: WorldOptions,
  region: string,
  apiKey: { apiKey: string; apiSecret: string },
  cleanups: Array<() => unknown>,
): Promise<Omit<World, 'stop'>> {
  const awsOptions = typeof options.aws === 'object' ? options.aws : {};
  const fauxqs = options.sqs || awsOptions.s3 ? await startFauxqs({ port: 0, logger: false }) : undefined;
  if (fauxqs) cleanups.push(() => fauxqs.stop());
  const moveTasks =
    fauxqs && typeof options.sqs === 'object' && options.sqs.moveTasks ? await startSqsWithMoveTasks(fauxqs.address, region) : undefined;
  if (moveTasks) cleanups.push(() => moveTasks.close());
  const secrets = Object.entries({ [API_KEY_SECRET_ID]: apiKey, ...options.secrets }).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
  const aws = options.aws ? await startAwsStandIn({ region, secrets: Object.fromEntries(secrets) }) : undefined;
  if (aws) cleanups.push(() => aws.close());
  const lambda = awsOptions.lambda ? await startLambdaStandIn() : undefined;
  if (lambda) cleanups.push(() => lambda.close());
  const sandboxOptions = typeof options.fivetran === 'object' ? options.fivetran : {};
  const sandbox = options.fivetran ? await startFivetranSandbox({ ...apiKey, ...sandboxOptions }) : undefined;
  if (sandbox) cleanups.push(() => sandbox.close());
  const interposers =
    options.interpose && fauxqs && sandbox
      ? { sqs: await startInterposer(fauxqs.address), fivetran: await startInterposer(sandbox.url) }
      : undefined;
  if (interposers) cleanups.push(() => Promise.all([interposers.sqs.close(), interposers.fivetran.close()]));

  const endpoints = {
    ...(fauxqs && options.sqs ? { sqs: interposers?.sqs.url ?? fauxqs.address } : {}),
    ...(fauxqs && awsOptions.s3 ? { s3: fauxqs.address } : {}),
    ...(aws ? { aws: aws.url } : {}),
    ...(lambda ? { lambda: lambda.url } : {}),
  };
  // A world without AWS servers leaves the AWS variables as they are.
  const env = Object.keys(endpoints).length === 0 ? {} : awsEnv(endpoints, region);
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
