import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type BackfillInvocationResult, createHandler } from '../../../../functions/backfill/create-handler';
import { lambdaContext as worldLambdaContext } from '../../../../local/world/lambda-context';
import { backfillSettings } from '../../../../local/world/settings';
import { startWorld, type World } from '../../../../local/world/world';
import {
  BACKFILL_COMPLETED,
  type BackfillCompletedDetail,
  backfillCompletedDetailSchema,
} from '../../../../shared/contracts/backfill-events';

export const BACKFILL_FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:000000000000:function:backfill';
export const MANIFEST_BUCKET = 'manifests';
export const GROUPS = ['team_a_group', 'team_b_group'] as const;

/** Remaining time below the default handover margin (60 s): every invocation does one chunk, then hands over. */
export const TINY_BUDGET_MS = 20_000;
/** Remaining time that fits any test manifest in one invocation. */
export const AMPLE_BUDGET_MS = 900_000;

/**
 * Everything a backfill run talks to, from the world, over the real AWS SDK
 * and HTTP: SQS and S3 are fauxqs, Secrets Manager and EventBridge the
 * loopback stand-in, Lambda's Invoke a stand-in that keeps follow-ups for the
 * test to run, and Fivetran the sandbox.
 */
export type BackfillWorld = Required<Pick<World, 'fauxqs' | 'aws' | 'sandbox' | 'lambda' | 'sqs' | 's3'>> & {
  logLines: string[];
  close(): Promise<void>;
};

/** The scheduled input of a nightly backfill of the manifest at `key` in the test bucket. */
export const schedule = (key: string, mode?: 'missing' | 'all') => ({
  backfill: 'nightly',
  manifest: { bucket: MANIFEST_BUCKET, key },
  ...(mode ? { mode } : {}),
});

/**
 * One backfill world for a test file: started before its tests, closed after them and, with `reset`, emptied
 * between them. `started` receives it, for the file's own variable.
 */
export function useBackfillWorld(started: (world: BackfillWorld) => void, options: { reset?: boolean } = {}): void {
  let world: BackfillWorld | undefined;
  beforeAll(async () => {
    world = await startBackfillWorld();
    started(world);
  });
  afterAll(async () => {
    await world?.close();
  });
  if (options.reset) beforeEach(() => resetBackfillWorld(world!));
}

/** Forgets what the last test left in the world: the sandbox's connections, events, secret reads and follow-ups. */
export function resetBackfillWorld(world: BackfillWorld): void {
  world.sandbox.reset();
  world.aws.events.length = 0;
  world.aws.secretReads.length = 0;
  world.lambda.pending.length = 0;
  world.lambda.invocations.length = 0;
}

export async function startBackfillWorld(): Promise<BackfillWorld> {
  const world = await startWorld({ sqs: true, aws: { lambda: true, s3: true }, fivetran: { groups: [...GROUPS] }, logs: 'capture' });
  await world.s3!.send(new CreateBucketCommand({ Bucket: MANIFEST_BUCKET }));
  return { ...(world as Required<World>), close: world.stop };
}

/** A fresh provisioning queue and a handler that sends to it (`chunkLines` lines a chunk; `env`: more settings). */
export async function newBackfill(world: BackfillWorld, options: { chunkLines?: number; env?: Record<string, string> } = {}) {
  const queueName = `provisioning-${randomUUID().slice(0, 8)}`;
  const queueUrl = (await world.sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
  const handler = createHandler(
    backfillSettings(world.sandbox.url, queueUrl, { BACKFILL_CHUNK_LINES: String(options.chunkLines ?? 100), ...options.env }),
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
  const body = `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`;
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
  return worldLambdaContext(BACKFILL_FUNCTION_ARN, () => remainingMs);
}
