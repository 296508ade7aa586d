import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { clearCache } from '@middy/util';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startFauxqs } from 'fauxqs';
import { vi } from 'vitest';
import { createProvisionHandler } from '../../../functions/provision/create-handler';
import { startAwsStandIn, type AwsStandIn, type PublishedEvent } from '../../../local/aws/aws-stand-in';
import { seededRandom } from '../../../local/fivetran-sandbox/prng';
import { startFivetranSandbox, type FivetranSandbox, type FivetranSandboxOptions } from '../../../local/fivetran-sandbox/server';
import { pollOnce, startPoller, type BatchReport, type Poller } from '../../../local/sqs-poller';
import { readSettings, type ProvisionerConfig } from '../../../shared/runtime/settings';
import type { BackoffOptions } from '../../../shared/runtime/retry';
import { createSqsClient } from '../../../shared/aws/sqs-client';
import { startInterposer, type Interposer } from '../../support/interposer';

/**
 * The provisioning pipeline on loopback, assembled from its real parts: fauxqs
 * (SQS, with a dead-letter queue and redrive policy), the Secrets Manager and
 * EventBridge stand-in, the Fivetran sandbox, and several local pollers each
 * feeding its own instance of the real handler, as concurrent Lambda
 * containers would. Nothing is mocked at the SDK: every client reaches its
 * server through the AWS_ENDPOINT_URL_* variables.
 */

export const REGION = 'eu-west-1';
export const CREDENTIALS_PREFIX = 'fivetran/gitlab/';
export const API_KEY_SECRET_ID = 'fivetran/api-key';

export interface PipelineOptions {
  /** Group ids the sandbox knows. */
  groups: string[];
  /** The API key the sandbox accepts; it is also what the API key secret holds. */
  apiKey: { apiKey: string; apiSecret: string };
  /** Secrets Manager: name → SecretString, besides the API key secret. */
  secrets: Record<string, string>;
  sandbox?: Pick<FivetranSandboxOptions, 'seed' | 'createRateLimit'>;
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
}

export interface Delivery {
  messageId: string;
  receiveCount: number;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
}

export interface SentMessage {
  body: string;
  attributes?: Record<string, string>;
}

export interface Pipeline {
  sandbox: FivetranSandbox;
  aws: AwsStandIn;
  /** In front of fauxqs and of the sandbox, with `interpose`: every client of the handler goes through them. */
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
  /** Sends the messages in batches of ten (one at a time when a body is large); returns their message ids in order. */
  send(messages: readonly SentMessage[]): Promise<string[]>;
  startPollers(): void;
  /** One receive and one invocation of the first handler, as one poll of Lambda's event source mapping. */
  pollOnce(waitTimeSeconds?: number): Promise<BatchReport>;
  /**
   * Waits until the queue holds nothing visible, in flight or delayed: every
   * message was deleted or moved to the dead-letter queue. Bounded: resolves
   * false when `timeoutMs` passes first.
   */
  waitUntilDrained(timeoutMs: number): Promise<boolean>;
  /** Receives every message of the dead-letter queue once (hiding each for the rest of the test). */
  readDeadLetters(): Promise<DeadLetter[]>;
  events(): readonly PublishedEvent[];
  /** Stops the pollers, restores stdout/stderr and the environment, closes every server. */
  stop(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  const aws = await startAwsStandIn({
    region: REGION,
    secrets: { [API_KEY_SECRET_ID]: JSON.stringify(options.apiKey), ...options.secrets },
  });
  const sandbox = await startFivetranSandbox({ ...options.apiKey, groups: options.groups, ...options.sandbox });
  const interposers = options.interpose ? { sqs: await startInterposer(fauxqs.address), fivetran: await startInterposer(sandbox.url) } : undefined;
  try {
    return await assemble(options, { fauxqs, aws, sandbox, interposers });
  } catch (error) {
    vi.unstubAllEnvs();
    await Promise.all([fauxqs.stop(), aws.close(), sandbox.close(), interposers?.sqs.close(), interposers?.fivetran.close()]);
    throw error;
  }
}

async function assemble(
  options: PipelineOptions,
  servers: { fauxqs: Awaited<ReturnType<typeof startFauxqs>>; aws: AwsStandIn; sandbox: FivetranSandbox; interposers?: { sqs: Interposer; fivetran: Interposer } },
): Promise<Pipeline> {
  const { fauxqs, aws, sandbox, interposers } = servers;

  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', interposers?.sqs.url ?? fauxqs.address);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGE', aws.url);
  // Everything the handler can log is logged, so the secret scan sees it all.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');

  const sqs = createSqsClient();
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'provisioning-dlq' }));
  const dlqArn = await queueArnOf(sqs, dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'provisioning',
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(options.maxReceiveCount) }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl!;
  const queueArn = await queueArnOf(sqs, queueUrl);
  const accountId = queueArn.split(':')[4]!;

  const config = readSettings('provision', {
    FIVETRAN_API_URL: interposers?.fivetran.url ?? sandbox.url,
    FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
    CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX,
    EVENT_BUS_NAME: 'provisioner-bus',
    MAX_RECEIVE_COUNT: String(options.maxReceiveCount),
    ...options.workerEnv,
  });

  // Powertools writes INFO to stdout and WARN/ERROR to stderr: capture both.
  const logLines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    logLines.push(...String(chunk).split('\n').filter((line) => line.trim() !== ''));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];

  const deliveries: Delivery[] = [];
  const batchErrors: unknown[] = [];
  const overlappingDeliveries: string[] = [];
  const inProgress = new Set<string>();
  const handlers = Array.from({ length: options.pollers }, (_, index) => {
    const handler = createProvisionHandler(config, { backoff: options.backoff, random: seededRandom(options.seed + index).next });
    return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      const ids = event.Records.map((record) => record.messageId);
      for (const record of event.Records) {
        deliveries.push({ messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount) });
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
  let stopped = false;
  const pollerOptions = (handler: (typeof handlers)[number]) => ({
    sqs,
    queueUrl,
    queueArn,
    handler,
    batchSize: options.batchSize,
    waitTimeSeconds: 1,
    functionTimeoutMs: options.functionTimeoutMs,
    functionArn: `arn:aws:lambda:${REGION}:${accountId}:function:provisioner`,
  });

  return {
    sandbox,
    aws,
    ...(interposers ? { interposers } : {}),
    sqs,
    config,
    queueUrl,
    dlqUrl: dlq.QueueUrl!,
    accountId,
    logLines,
    deliveries,
    batchErrors,
    overlappingDeliveries,
    async send(messages) {
      const ids: string[] = [];
      for (let start = 0; start < messages.length; ) {
        const chunk = takeChunk(messages, start);
        if (chunk.length === 1) {
          const answer = await sqs.send(
            new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: chunk[0]!.body, MessageAttributes: attributesOf(chunk[0]!) }),
          );
          ids.push(answer.MessageId!);
        } else {
          const answer = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((message, index) => ({ Id: String(index), MessageBody: message.body, MessageAttributes: attributesOf(message) })),
            }),
          );
          if (answer.Failed?.length) throw new Error(`SendMessageBatch refused ${answer.Failed.length} message(s): ${answer.Failed[0]?.Message}`);
          const byEntry = new Map((answer.Successful ?? []).map((entry) => [entry.Id, entry.MessageId!]));
          ids.push(...chunk.map((_, index) => byEntry.get(String(index))!));
        }
        start += chunk.length;
      }
      return ids;
    },
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
    async waitUntilDrained(timeoutMs) {
      const giveUpAt = Date.now() + timeoutMs;
      while (Date.now() < giveUpAt) {
        const { Attributes: counts = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        );
        const left =
          Number(counts.ApproximateNumberOfMessages) +
          Number(counts.ApproximateNumberOfMessagesNotVisible) +
          Number(counts.ApproximateNumberOfMessagesDelayed);
        if (left === 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return false;
    },
    async readDeadLetters() {
      const letters: DeadLetter[] = [];
      // Each receive hides what it returns for longer than the test, so every letter is read once; 1,000 rounds bound the loop.
      for (let round = 0; round < 1_000; round += 1) {
        const answer = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlq.QueueUrl!,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 600,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        const messages = answer.Messages ?? [];
        if (messages.length === 0) break;
        letters.push(
          ...messages.map((message) => ({
            messageId: message.MessageId!,
            body: message.Body ?? '',
            receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
          })),
        );
      }
      return letters;
    },
    events: () => aws.events,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(pollers.map((poller) => poller.stop()));
      for (const spy of spies) spy.mockRestore();
      vi.unstubAllEnvs();
      clearCache();
      sqs.destroy();
      await Promise.all([fauxqs.stop(), aws.close(), sandbox.close(), interposers?.sqs.close(), interposers?.fivetran.close()]);
    },
  };
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const answer = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return answer.Attributes!.QueueArn!;
}

/** Up to ten messages that fit one SendMessageBatch (256 KiB in all), or a single large one. */
function takeChunk(messages: readonly SentMessage[], start: number): SentMessage[] {
  const chunk: SentMessage[] = [];
  let bytes = 0;
  for (let index = start; index < messages.length && chunk.length < 10; index += 1) {
    const size = Buffer.byteLength(messages[index]!.body);
    if (chunk.length > 0 && bytes + size > 200 * 1024) break;
    chunk.push(messages[index]!);
    bytes += size;
    if (bytes > 200 * 1024) break;
  }
  return chunk;
}

function attributesOf(message: SentMessage): Record<string, MessageAttributeValue> | undefined {
  if (message.attributes === undefined) return undefined;
  return Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}
