import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { startFauxqs } from 'fauxqs';
import { expect, vi } from 'vitest';
import { createBackfillHandler, type BackfillInvocationResult } from '../../../../functions/backfill/create-handler';
import { startAwsStandIn, type AwsStandIn } from '../../../../local/aws/aws-stand-in';
import { startFivetranSandbox, type FivetranSandbox } from '../../../../local/fivetran-sandbox/server';
import { readSettings } from '../../../../shared/runtime/settings';
import { BACKFILL_COMPLETED, backfillCompletedDetailSchema, type BackfillCompletedDetail } from '../../../../shared/contracts/backfill-events';
import { createS3Client } from '../../../../functions/backfill/s3-client';
import { createSqsClient } from '../../../../shared/aws/sqs-client';
import { API_KEY_SECRET_ID, FAKE_API_KEY } from '../../../support/fixtures';
import { startLambdaStandIn, type LambdaStandIn } from '../../../../local/aws/lambda-stand-in';

export const BACKFILL_FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:000000000000:function:backfill';
export const MANIFEST_BUCKET = 'manifests';
export const GROUPS = ['team_a_group', 'team_b_group'] as const;

/** Remaining time below the default handover margin (60 s): every invocation does one chunk, then hands over. */
export const TINY_BUDGET_MS = 20_000;
/** Remaining time that fits any test manifest in one invocation. */
export const AMPLE_BUDGET_MS = 900_000;

/**
 * Everything a backfill run talks to, over the real AWS SDK and HTTP: SQS
 * and S3 are fauxqs, Secrets Manager and EventBridge the loopback stand-in,
 * Lambda's Invoke a stand-in that keeps follow-ups for the test to run, and
 * Fivetran the sandbox.
 */
export interface BackfillWorld {
  fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  aws: AwsStandIn;
  sandbox: FivetranSandbox;
  lambda: LambdaStandIn;
  sqs: SQSClient;
  s3: S3Client;
  logLines: string[];
  close(): Promise<void>;
}

export async function startBackfillWorld(): Promise<BackfillWorld> {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const aws = await startAwsStandIn({ region: 'eu-west-1', secrets: { [API_KEY_SECRET_ID]: JSON.stringify(FAKE_API_KEY) } });
  const sandbox = await startFivetranSandbox({ apiKey: FAKE_API_KEY.apiKey, apiSecret: FAKE_API_KEY.apiSecret, groups: [...GROUPS] });
  const lambda = await startLambdaStandIn();
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address);
  vi.stubEnv('AWS_ENDPOINT_URL_S3', fauxqs.address);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGE', aws.url);
  vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', lambda.url);
  const logLines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  };
  // Powertools writes INFO to stdout and WARN/ERROR to stderr: keep both out of the test report.
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);

  const sqs = createSqsClient();
  const s3 = createS3Client(true);
  await s3.send(new CreateBucketCommand({ Bucket: MANIFEST_BUCKET }));
  return {
    fauxqs,
    aws,
    sandbox,
    lambda,
    sqs,
    s3,
    logLines,
    async close() {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
      sqs.destroy();
      s3.destroy();
      await Promise.all([fauxqs.stop(), aws.close(), sandbox.close(), lambda.close()]);
    },
  };
}

/** A fresh provisioning queue and a handler that sends to it (`chunkLines` lines a chunk). */
export async function newBackfill(world: BackfillWorld, options: { chunkLines?: number } = {}) {
  const queueName = `provisioning-${randomUUID().slice(0, 8)}`;
  const queueUrl = (await world.sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
  const handler = createBackfillHandler(
    readSettings('backfill', {
      FIVETRAN_API_URL: world.sandbox.url,
      FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
      PROVISIONING_QUEUE_URL: queueUrl,
      EVENT_BUS_NAME: 'provisioner-bus',
      FIVETRAN_REQUEST_TIMEOUT_MS: '2000',
      BACKFILL_CHUNK_LINES: String(options.chunkLines ?? 100),
      // The function reads the endpoints through its settings; the world set them for the SDK.
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
      AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3,
    }),
    { sleep: async () => undefined },
  );
  const invoke = (event: unknown, remainingMs: number) => handler(event, lambdaContext(remainingMs)) as Promise<BackfillInvocationResult>;

  return {
    queueName,
    queueUrl,
    invoke,
    /** Invokes with `event`, then runs every follow-up the run hands over, as Lambda would; returns each invocation's result. */
    async runToEnd(event: unknown, remainingMs: number): Promise<BackfillInvocationResult[]> {
      const results = [await invoke(event, remainingMs)];
      for (let next = world.lambda.pending.shift(); next !== undefined; next = world.lambda.pending.shift()) {
        results.push(await invoke(next.payload, remainingMs));
      }
      return results;
    },
    /** Bodies of the messages waiting in the queue (read without receiving them). */
    queuedRequests(): Array<{ requestId: string; schemaVersion: string | undefined }> {
      const queue = world.fauxqs.inspectQueue(queueName)!;
      return queue.messages.ready.map((message) => ({
        requestId: (JSON.parse(message.body) as { requestId: string }).requestId,
        schemaVersion: message.messageAttributes?.requestSchemaVersion?.StringValue,
      }));
    },
  };
}

/** Puts a manifest into the bucket: one JSON value (or raw text) a line. */
export async function putManifest(world: BackfillWorld, key: string, lines: ReadonlyArray<unknown>): Promise<void> {
  const body = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
  await world.s3.send(new PutObjectCommand({ Bucket: MANIFEST_BUCKET, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
}

/** The `Backfill Completed` events published so far, each checked against the detail schema. */
export function completedEvents(world: BackfillWorld): BackfillCompletedDetail[] {
  return world.aws.events
    .filter((event) => event.detailType === BACKFILL_COMPLETED)
    .map((event) => {
      expect(event.source).toBe('fivetran.provisioner');
      expect(event.eventBusName).toBe('provisioner-bus');
      return backfillCompletedDetailSchema.parse(event.detail);
    });
}

/** The calls that started listing a group's connections (the first page; later pages carry a cursor). */
export function groupListings(world: BackfillWorld): string[] {
  return world.sandbox.calls
    .filter((call) => call.method === 'GET' && /^\/v1\/groups\/[^/]+\/connections$/.test(call.path) && call.query.cursor === undefined)
    .map((call) => decodeURIComponent(call.path.split('/')[3]!));
}

export function lambdaContext(remainingMs: number): Context {
  return {
    awsRequestId: randomUUID(),
    invokedFunctionArn: BACKFILL_FUNCTION_ARN,
    functionName: 'backfill',
    functionVersion: '$LATEST',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/backfill',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
