import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createHandler } from '../../functions/provision/create-handler';
import { AWS_CLIENT_TIMEOUTS } from '../../shared/aws/aws-calls';
import { DEFERRAL_ATTRIBUTES } from '../../shared/contracts/deferral';
import type { Ledger } from '../../shared/ledger/ledger';
import type { BackoffOptions } from '../../shared/runtime/retry';
import { createSecretCache, type SecretCache } from '../../shared/runtime/secret-cache';
import type { ProvisionerConfig } from '../../shared/runtime/settings';
import type { AwsStandIn, PublishedEvent } from '../aws/aws-stand-in';
import { seededRandom } from '../fivetran-sandbox/prng';
import type { FivetranSandbox, FivetranSandboxOptions } from '../fivetran-sandbox/types';
import { type BatchReport, type Poller, pollOnce, startPoller } from '../sqs-poller';
import type { Interposer } from './interposer';
import type { DeadLetter, SentMessage } from './messages';
import { provisionSettings } from './settings';
import { startWorld } from './world';

export { API_KEY_SECRET_ID, CREDENTIALS_PREFIX } from './fixtures';
export type { DeadLetter, SentMessage } from './messages';
export { WORLD_REGION as REGION } from './settings';

/**
 * The provisioning pipeline on loopback, from the world's real parts: fauxqs
 * with the queue and its dead-letter queue, the Secrets Manager and
 * EventBridge stand-in, the Fivetran sandbox, and several local pollers each
 * feeding its own instance of the real handler, as concurrent Lambda
 * containers would. Nothing is mocked at the SDK.
 */
export interface PipelineOptions {
  /** Group ids the sandbox knows. */
  groups: string[];
  /** The API key the sandbox accepts; it is also what the API key secret holds. */
  apiKey: { apiKey: string; apiSecret: string };
  /** Secrets Manager: name → SecretString, besides the API key secret. */
  secrets: Record<string, string>;
  sandbox?: Pick<FivetranSandboxOptions, 'seed' | 'createRateLimit' | 'setupTestRateLimit'>;
  /** Concurrent pollers, each with its own handler: Lambda's concurrency. */
  pollers: number;
  batchSize: number;
  /** What getRemainingTimeInMillis counts down from. */
  functionTimeoutMs: number;
  /** Of the queue; must be longer than the function timeout, as Lambda requires. */
  visibilityTimeoutSeconds: number;
  /** Of the queue's redrive policy; also MAX_RECEIVE_COUNT. */
  maxReceiveCount: number;
  /** Worker settings (shared/runtime/settings.ts) besides those derived here. */
  workerEnv: Record<string, string>;
  /** Handed to the real handler through its overrides, to scale its waits down. */
  backoff: BackoffOptions;
  /** Seeds the handlers' jitter, so that a run's waits can be replayed. */
  seed: number;
  /** Puts an interposer in front of SQS and of Fivetran, for tests whose dependencies hang, redirect or lie. */
  interpose?: boolean;
  /** The ledger every handler records in and reads (local/world/ledger.ts); without it, lifecycle requests fail. */
  ledger?: Ledger;
}

export interface Delivery {
  messageId: string;
  /** The message the request first came as: its own id, or the one a deferral recorded. */
  originalMessageId?: string;
  receiveCount: number;
}

export interface Pipeline {
  sandbox: FivetranSandbox;
  aws: AwsStandIn;
  interposers?: { sqs: Interposer; fivetran: Interposer };
  sqs: SQSClient;
  config: ProvisionerConfig;
  queueUrl: string;
  dlqUrl: string;
  accountId: string;
  /** Every line the handlers wrote to stdout or stderr. */
  logLines: string[];
  /** Every record handed to a handler, in order. */
  deliveries: Delivery[];
  /** Errors a handler threw (a whole batch failed) or the poller met. */
  batchErrors: unknown[];
  /** Messages handed to a handler while an earlier delivery of theirs was still being handled. */
  overlappingDeliveries: string[];
  send(messages: readonly SentMessage[]): Promise<string[]>;
  startPollers(): void;
  /** One receive and one invocation of the first handler, as one poll of Lambda's event source mapping. */
  pollOnce(waitTimeSeconds?: number): Promise<BatchReport>;
  waitUntilDrained(timeoutMs: number): Promise<boolean>;
  readDeadLetters(): Promise<DeadLetter[]>;
  events(): readonly PublishedEvent[];
  /** Empties every handler's secret cache, so the next read of each secret is a Secrets Manager call. */
  forgetSecrets(): void;
  /** Stops the pollers, then the world. */
  stop(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const world = await startWorld({
    sqs: true,
    queues: { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds, maxReceiveCount: options.maxReceiveCount },
    aws: true,
    fivetran: { groups: options.groups, ...options.sandbox },
    apiKey: options.apiKey,
    secrets: options.secrets,
    ...(options.interpose ? { interpose: true } : {}),
    // Everything the handler can log is logged, so the secret scan sees it all.
    variables: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    logs: 'capture',
  });
  const { sqs, queues, sandbox, aws } = world as Required<typeof world>;
  const accountId = queues.queueArn.split(':')[4]!;
  const config = provisionSettings(world.fivetranUrl!, { MAX_RECEIVE_COUNT: String(options.maxReceiveCount), ...options.workerEnv });

  const deliveries: Delivery[] = [];
  const batchErrors: unknown[] = [];
  const overlappingDeliveries: string[] = [];
  const inProgress = new Set<string>();
  const secretCaches: SecretCache[] = [];
  const handlers = Array.from({ length: options.pollers }, (_, index) => {
    const secrets = createSecretCache({
      client: new SecretsManagerClient(AWS_CLIENT_TIMEOUTS),
      ttlMs: config.secretsCacheTtlSeconds * 1000,
    });
    secretCaches.push(secrets);
    const handler = createHandler(
      config,
      { backoff: options.backoff, random: seededRandom(options.seed + index).next, secrets },
      options.ledger,
    );
    return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      const ids = event.Records.map((record) => record.messageId);
      for (const record of event.Records) {
        const originalMessageId = record.messageAttributes[DEFERRAL_ATTRIBUTES.originalMessageId]?.stringValue ?? record.messageId;
        deliveries.push({
          messageId: record.messageId,
          originalMessageId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
        });
        if (inProgress.has(record.messageId)) overlappingDeliveries.push(record.messageId);
        inProgress.add(record.messageId);
      }
      try {
        return await handler(event, context);
      } finally {
        for (const id of ids) inProgress.delete(id);
      }
    };
  });
  const pollers: Poller[] = [];
  const pollerOptions = (handler: (typeof handlers)[number]) => ({
    sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    handler,
    batchSize: options.batchSize,
    waitTimeSeconds: 1,
    functionTimeoutMs: options.functionTimeoutMs,
    functionArn: `arn:aws:lambda:${world.region}:${accountId}:function:provisioner`,
  });
  let stopping: Promise<void> | undefined;

  return {
    sandbox,
    aws,
    ...(world.interposers ? { interposers: world.interposers } : {}),
    sqs,
    config,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl!,
    accountId,
    logLines: world.logLines,
    deliveries,
    batchErrors,
    overlappingDeliveries,
    send: world.send,
    startPollers() {
      for (const handler of handlers) {
        pollers.push(
          startPoller({
            ...pollerOptions(handler),
            onBatch: (report: BatchReport) => {
              if (report.handlerError !== undefined) batchErrors.push(report.handlerError);
            },
          }),
        );
      }
    },
    async pollOnce(waitTimeSeconds = 1) {
      const report = await pollOnce({ ...pollerOptions(handlers[0]!), waitTimeSeconds });
      if (report.handlerError !== undefined) batchErrors.push(report.handlerError);
      return report;
    },
    waitUntilDrained: world.waitUntilDrained,
    readDeadLetters: world.deadLetters,
    events: world.events,
    forgetSecrets: () => {
      for (const secrets of secretCaches) secrets.clear();
    },
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(pollers.map((poller) => poller.stop()));
        await world.stop();
      })()),
  };
}
