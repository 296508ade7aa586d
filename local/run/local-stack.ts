import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { removeStackFile, writeStackFile } from '../../cli/local-run-file';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { parseApiKeySecret } from '../../shared/fivetran/api-key';
import { type ProvisionerConfig, readSettings } from '../../shared/runtime/settings';
import type { AwsStandIn, PublishedEvent, SecretLabelUpdatedEvent } from '../aws/aws-stand-in';
import type { FivetranSandbox } from '../fivetran-sandbox/types';
import type { BatchReport } from '../sqs-poller';
import { createCleanups } from '../world/cleanups';
import { applyEnv, awsEnv } from '../world/env';
import { type LocalLedger, startLocalLedger } from '../world/ledger';
import { describeQueue, type ProvisioningQueues } from '../world/queues';
import { startWorld } from '../world/world';
import { createEventSink } from './event-sink';
import { createLocalQueues, DEFAULT_SANDBOX_GROUP } from './local-servers';
import { acquireRunLock } from './run-lock';
import { defaultSecretsFile, loadSecretsFile, SecretsFileError } from './secrets-file';
import {
  DEFAULT_RUN_DIR,
  DEPLOYED_BATCH_SIZE,
  DEPLOYED_MAX_RECEIVE_COUNT,
  LOCAL_VISIBILITY_TIMEOUT_SECONDS,
  LOCAL_WAIT_TIME_SECONDS,
  LOCAL_WORKER_ENV,
  localFunctionTimeoutMs,
} from './settings';
import { lambdaVariables, startWorkerChild } from './worker-child';
import type { RotationReport } from './worker-messages';

export interface LocalStackOptions {
  /** A Fivetran API to use instead of the sandbox (https; its API key goes in the API key secret). */
  fivetranUrl?: string;
  /** An existing queue to poll instead of a local one; its endpoint and credentials come from the AWS variables. */
  queueUrl?: string;
  /** Use Secrets Manager and EventBridge as the SDK resolves them (AWS, or AWS_ENDPOINT_URL_*) instead of the stand-in. */
  useAwsServices?: boolean;
  /** Secret name → value for the stand-in; default: read from `secretsFile`. */
  secrets?: Record<string, string>;
  /** Default local/secrets.json when it exists, else local/secrets.example.json. */
  secretsFile?: string;
  /** Of a queue created here. Default LOCAL_VISIBILITY_TIMEOUT_SECONDS. */
  visibilityTimeoutSeconds?: number;
  /** Of a queue created here. Default the deployed stack's. */
  maxReceiveCount?: number;
  waitTimeSeconds?: number;
  batchSize?: number;
  /** Group ids the sandbox knows. Default [DEFAULT_SANDBOX_GROUP]. */
  sandboxGroups?: string[];
  /** Fixed ports: SQS on this one, the AWS stand-in on the next, the sandbox on the one after, the ledger after that. Default: free ports. */
  port?: number;
  /** Where the events file, the handler log and stack.json go. Default .local-run */
  runDir?: string;
  /** Worker variables (shared/runtime/settings.ts) that win over the environment and the local defaults. */
  workerEnv?: Record<string, string>;
  onEvent?: (event: PublishedEvent) => void;
  /** Called once when an event could not be written to the events file (a full disk); the entry fails at PutEvents. */
  onEventsFailure?: (error: Error) => void;
  /** Every batch the worker's poller handled, or failed to receive; `handlerError` is then a message. */
  onBatch?: (report: BatchReport) => void;
  /** What the rotation fan-out did with each `Secret Label Updated` event of the stand-in (a new AWSCURRENT version). */
  onRotation?: (report: RotationReport, secret: SecretLabelUpdatedEvent['detail']) => void;
}

/** Which parts run on this machine, started and stopped by the stack. */
export interface LocalParts {
  sqs: boolean;
  secrets: boolean;
  events: boolean;
  fivetran: boolean;
}

export interface DeadLetter {
  messageId: string;
  body: string;
}

export interface LocalStack {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string | undefined;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** The local Fivetran API, unless --fivetran-url was given. */
  sandbox: FivetranSandbox | undefined;
  /** The groups the sandbox has; empty when Fivetran is not local. */
  sandboxGroups: readonly string[];
  /** The secrets the stand-in serves, by name (values never leave it); empty when Secrets Manager is not local. */
  secretNames: readonly string[];
  /** Where those secrets came from, when they came from a file. */
  secretsFile: string | undefined;
  /** The local Secrets Manager and EventBridge, unless both are real. */
  aws: AwsStandIn | undefined;
  /** The ledger on dynalite, unless the run uses AWS's services or a table named in LEDGER_TABLE_NAME. */
  ledger: Pick<LocalLedger, 'endpoint' | 'tableName' | 'ledger'> | undefined;
  /** Whether the stand-in's `Secret Label Updated` events invoke the rotation fan-out (a local Secrets Manager and a ledger). */
  rotation: boolean;
  local: LocalParts;
  /** The worker's configuration, as functions/provision/handler.ts read it from the worker process's environment. */
  config: ProvisionerConfig;
  /** The worker process, which imports functions/provision/handler.ts as Lambda does. */
  workerPid: number;
  /** The SQS client of the stack (endpoint resolved as the handler's). */
  sqs: SQSClient;
  /** Every event published during the run, in order; a live array. */
  events: readonly PublishedEvent[];
  eventsFile: string;
  logFile: string;
  endpoints: { sqs: string; secretsManager: string; eventBridge: string; fivetran: string };
  /** Messages now in the local dead-letter queue (without receiving them); undefined when SQS is not local. */
  deadLetters: (() => DeadLetter[]) | undefined;
  /** Has the worker finish its batch and exit, then closes every server and restores the environment. */
  stop(): Promise<void>;
}

const AWS_DEFAULT = '(AWS, as the SDK resolves it)';

/**
 * Starts the provisioner on this machine: SQS (fauxqs) with the queue and
 * dead-letter queue wired like the CDK stack, the Fivetran sandbox, the
 * Secrets Manager and EventBridge stand-in fed from the secrets file, an
 * event sink, and, in a process of its own, the Lambda's handler module fed by
 * a poller that behaves like the SQS event source mapping (worker-child.ts).
 * Any part given an endpoint is used instead.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The user's settings, read before the stack sets any of its own.
  const env = { ...process.env };
  const runDir = resolve(options.runDir ?? DEFAULT_RUN_DIR);
  mkdirSync(runDir, { recursive: true });
  const local: LocalParts = {
    sqs: options.queueUrl === undefined && !env.AWS_ENDPOINT_URL_SQS,
    secrets: !options.useAwsServices && !env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
    events: !options.useAwsServices && !env.AWS_ENDPOINT_URL_EVENTBRIDGE,
    fivetran: options.fivetranUrl === undefined,
  };
  const secretsFile = local.secrets && options.secrets === undefined ? (options.secretsFile ?? defaultSecretsFile()) : undefined;
  const secrets = local.secrets ? (options.secrets ?? loadSecretsFile(secretsFile!)) : {};
  const sandboxGroups = local.fivetran ? (options.sandboxGroups ?? [DEFAULT_SANDBOX_GROUP]) : [];
  // What the worker's Lambda configuration would hold: local defaults, under the user's settings, under the caller's.
  const workerEnv = { ...LOCAL_WORKER_ENV, ...lambdaVariables(env), ...options.workerEnv };
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';

  const cleanups = createCleanups();
  try {
    // Before anything in the directory is touched: a run already there keeps its files.
    const lock = acquireRunLock(runDir);
    cleanups.push(() => lock.release());
    const sink = createEventSink(join(runDir, 'events.jsonl'), options.onEvent, options.onEventsFailure);
    const logFile = join(runDir, 'handler.log');
    writeFileSync(logFile, '');

    const port = (offset: number) => (options.port === undefined ? {} : { port: options.port + offset });
    const world = await startWorld({
      env: 'child',
      region,
      ...(local.sqs ? { sqs: { ...port(0), host: '127.0.0.1' } } : {}),
      ...(local.secrets || local.events ? { aws: { ...port(1), onEvent: sink.accept } } : {}),
      ...(local.fivetran ? { fivetran: { groups: sandboxGroups, ...port(2) } } : {}),
      // The sandbox accepts the API key the secrets hold (when they are local), so the worker's calls are authorized.
      apiKey: local.secrets && local.fivetran ? apiKeyOf(secrets, workerEnv.FIVETRAN_API_SECRET_ID!) : false,
      apiKeySecretId: workerEnv.FIVETRAN_API_SECRET_ID!,
      secrets,
    });
    cleanups.push(() => world.stop());
    const { fauxqs, aws, sandbox } = world;

    const allLocal = local.sqs && local.secrets && local.events;
    const noCredentials = !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
    // For this process's SQS client and for the worker's clients alike.
    const localEnv = awsEnv(
      {
        sqs: fauxqs?.address,
        secretsManager: local.secrets ? aws!.url : undefined,
        eventBridge: local.events ? aws!.url : undefined,
      },
      // Only servers on this machine are called, and they check no signature.
      { region: env.AWS_REGION ? undefined : region, fakeCredentials: allLocal && noCredentials },
    );
    const overrides = applyEnv(localEnv);
    cleanups.push(() => overrides.restore());

    // Created after the endpoints are set: the SDK reads them when a client is made.
    const sqs = createSqsClient();
    cleanups.push(() => sqs.destroy());
    const queues: ProvisioningQueues = options.queueUrl
      ? await describeQueue(sqs, options.queueUrl)
      : await createLocalQueues(
          sqs,
          fauxqs?.address,
          options.visibilityTimeoutSeconds ?? LOCAL_VISIBILITY_TIMEOUT_SECONDS,
          options.maxReceiveCount ?? DEPLOYED_MAX_RECEIVE_COUNT,
        );
    const maxReceiveCount = queues.maxReceiveCount ?? Number(workerEnv.MAX_RECEIVE_COUNT ?? DEPLOYED_MAX_RECEIVE_COUNT);
    const fivetranUrl = options.fivetranUrl ?? sandbox!.url;
    // The ledger on dynalite, unless the user named a table of their own: creates are recorded, lifecycle requests can act.
    const ledgerEnv: Record<string, string> = {};
    let ledger: LocalLedger | undefined;
    if (!options.useAwsServices && workerEnv.LEDGER_TABLE_NAME === undefined) {
      const started = await startLocalLedger({ region, ...port(3) });
      ledger = started;
      cleanups.push(() => started.close());
      Object.assign(ledgerEnv, { LEDGER_TABLE_NAME: started.tableName, AWS_ENDPOINT_URL_DYNAMODB: started.endpoint });
    }
    const lambdaEnv = {
      ...workerEnv,
      FIVETRAN_API_URL: fivetranUrl,
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
      // The rotation fan-out, which the worker process also runs, sends its reapply_credentials requests here.
      PROVISIONING_QUEUE_URL: queues.queueUrl,
      ...localEnv,
      ...ledgerEnv,
    };

    const [, , , queueRegion, account] = queues.queueArn.split(':');
    const worker = await startWorkerChild({
      env: lambdaEnv,
      logFile,
      start: {
        queueUrl: queues.queueUrl,
        queueArn: queues.queueArn,
        batchSize: options.batchSize ?? DEPLOYED_BATCH_SIZE,
        waitTimeSeconds: options.waitTimeSeconds ?? LOCAL_WAIT_TIME_SECONDS,
        functionTimeoutMs: localFunctionTimeoutMs(queues.visibilityTimeoutSeconds),
        functionArn: `arn:aws:lambda:${queueRegion}:${account}:function:fivetran-provisioner-local`,
        rotationFunctionArn: `arn:aws:lambda:${queueRegion}:${account}:function:fivetran-provisioner-rotation-local`,
      },
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
    cleanups.push(() => worker.stop());
    // EventBridge's rule for the fan-out: Secrets Manager's `Secret Label Updated` events, on a local Secrets Manager with a ledger.
    const rotation = aws !== undefined && local.secrets && (ledger !== undefined || workerEnv.LEDGER_TABLE_NAME !== undefined);
    if (rotation) {
      cleanups.push(
        aws!.onSecretLabelUpdated((event) => worker.rotate(event).then((report) => options.onRotation?.(report, event.detail))),
      );
    }
    // The worker read the same variables at its cold start; a bad one made it fail above, naming it.
    const config = readSettings('provision', lambdaEnv);

    writeStackFile(runDir, {
      queueUrl: queues.queueUrl,
      ...(fauxqs ? { sqsEndpoint: fauxqs.address } : env.AWS_ENDPOINT_URL_SQS ? { sqsEndpoint: env.AWS_ENDPOINT_URL_SQS } : {}),
      ...(local.secrets ? { secretsManagerEndpoint: aws!.url } : {}),
      // What `status` and `rotate` in another terminal need to find this run's ledger, secrets and Fivetran.
      ...(ledger ? { ledgerTableName: ledger.tableName, dynamodbEndpoint: ledger.endpoint } : {}),
      ...(workerEnv.CREDENTIALS_SECRET_PREFIX ? { credentialsSecretPrefix: workerEnv.CREDENTIALS_SECRET_PREFIX } : {}),
      ...(workerEnv.FIVETRAN_API_SECRET_ID ? { fivetranApiSecretId: workerEnv.FIVETRAN_API_SECRET_ID } : {}),
      fivetranApiUrl: fivetranUrl,
      region,
      eventsFile: sink.path,
      pid: process.pid,
      workerPid: worker.pid,
    });
    cleanups.push(() => removeStackFile(runDir));

    const dlqName = queues.dlqUrl?.split('/').pop();
    let stopping: Promise<void> | undefined;
    return {
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      dlqUrl: queues.dlqUrl,
      maxReceiveCount,
      visibilityTimeoutSeconds: queues.visibilityTimeoutSeconds,
      sandbox,
      sandboxGroups,
      secretNames: Object.keys(secrets),
      secretsFile,
      aws,
      ledger: ledger && { endpoint: ledger.endpoint, tableName: ledger.tableName, ledger: ledger.ledger },
      rotation,
      local,
      config,
      workerPid: worker.pid,
      sqs,
      events: sink.events,
      eventsFile: sink.path,
      logFile,
      endpoints: {
        sqs: fauxqs?.address ?? env.AWS_ENDPOINT_URL_SQS ?? AWS_DEFAULT,
        secretsManager: local.secrets ? aws!.url : (env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? AWS_DEFAULT),
        eventBridge: local.events ? aws!.url : (env.AWS_ENDPOINT_URL_EVENTBRIDGE ?? AWS_DEFAULT),
        fivetran: fivetranUrl,
      },
      deadLetters:
        fauxqs && dlqName
          ? () => {
              const messages = fauxqs.inspectQueue(dlqName)?.messages;
              if (!messages) return [];
              return [...messages.ready, ...messages.delayed, ...messages.inflight.map((entry) => entry.message)].map((message) => ({
                messageId: message.messageId,
                body: message.body,
              }));
            }
          : undefined,
      stop: () => (stopping ??= cleanups.run()),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

/** The API key the secrets hold under `apiKeySecretId`, for the sandbox to accept. */
function apiKeyOf(secrets: Record<string, string>, apiKeySecretId: string): { apiKey: string; apiSecret: string } {
  const value = secrets[apiKeySecretId];
  if (value === undefined) throw new SecretsFileError(`The secrets file has no "${apiKeySecretId}" entry for the Fivetran API key`);
  try {
    const { apiKey, apiSecret } = parseApiKeySecret(apiKeySecretId, value);
    return { apiKey, apiSecret };
  } catch {
    throw new SecretsFileError(`The "${apiKeySecretId}" secret must be {"apiKey": "...", "apiSecret": "..."}`);
  }
}
