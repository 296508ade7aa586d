import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AWS_CLIENT_TIMEOUTS } from '../../shared/aws/aws-calls';
import { createEventPublisher } from '../../shared/aws/event-publisher';
import { createSqsClient } from '../../shared/aws/sqs-client';
import type { BackfillCounts } from '../../shared/contracts/backfill-events';
import { parseApiKeySecret } from '../../shared/fivetran/api-key';
import type { FivetranApiKey } from '../../shared/fivetran/client';
import { enqueue } from '../../shared/producer';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { HandlerOverrides } from '../../shared/runtime/handler-overrides';
import { DEFAULT_BACKOFF, type Deadline, deadlineAt } from '../../shared/runtime/retry';
import { createSecretCache, type SecretCache } from '../../shared/runtime/secret-cache';
import { type BackfillConfig, powertoolsNames } from '../../shared/runtime/settings';
import { type BackfillCursor, startCursor } from './cursor';
import { createDeferredLookup } from './deferred-requests';
import { BackfillError } from './errors';
import { abortedBeforeStart, completedEvent } from './events';
import { createGroupLister } from './group-listing';
import { continuationPayload, readBackfillInput } from './input';
import { signedBatchGet } from './ledger-batch-get';
import { parseManifest } from './manifest-lines';
import { readManifest } from './manifest-source';
import { readQueueBacklog } from './queue-backlog';
import type { GroupListing } from './reconcile-plan';
import { continueBackfill } from './run';
import { createS3Client } from './s3-client';

/** What one invocation did; also logged. */
export type BackfillInvocationResult =
  | { status: 'completed'; runId: string; counts: BackfillCounts }
  | { status: 'handed_off'; runId: string; nextLine: number; counts: BackfillCounts }
  | { status: 'aborted'; runId: string; code: string; message: string };

/** Time a group listing must leave for the enqueue and the final event once it is done. */
const LISTING_RESERVE_MS = 5_000;
/** The queue's counts for `Backfill Completed` are worth this long at most: the event goes out without them. */
const QUEUE_READ_MS = 3_000;

/**
 * Builds the backfill Lambda handler. A schedule starts a run; a run that
 * runs short of time hands its cursor to a follow-up invocation of this same
 * function (asynchronous Invoke) and the follow-up carries on from there.
 *
 * The handover is the invocation's last act and happens only between chunks,
 * after the cursor has moved past every line enqueued (functions/backfill/cursor.ts).
 * The stack turns off Lambda's automatic retries of asynchronous invocations
 * for this function (MaximumRetryAttempts 0): a failed invocation is not run
 * again with a cursor behind lines it already sent. What remains is Lambda's
 * rare duplicate delivery of one event; a line sent twice that way is still
 * never a duplicate connection, because the worker looks before it creates.
 */
export function createHandler(config: BackfillConfig, overrides: HandlerOverrides = {}) {
  const now = overrides.now ?? Date.now;
  const sleep = overrides.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = overrides.random ?? Math.random;
  const names = powertoolsNames('backfill');
  const logger = overrides.logger ?? new Logger({ serviceName: names.serviceName });
  // An aborted run alarms on BackfillsAborted (infra/constructs/provisioner-alarms.ts) besides its event.
  const metrics = new Metrics({ namespace: names.namespace, serviceName: names.serviceName });
  const s3 = createS3Client(config.awsEndpointUrlS3 !== undefined || config.awsEndpointUrl !== undefined);
  const sqs = createSqsClient();
  const lambda = new LambdaClient({});
  // Read-only: which requests the worker deferred, so they are counted as waiting rather than sent again.
  const ledger =
    config.ledgerTableName === undefined
      ? undefined
      : {
          tableName: config.ledgerTableName,
          batchGet: signedBatchGet({
            region: sqs.config.region,
            credentials: sqs.config.credentials,
            endpoint: config.awsEndpointUrlDynamodb ?? config.awsEndpointUrl,
          }),
        };
  // TTL 0: the key is read once per invocation that lists groups, so a rotated key is picked up by the next one.
  const secrets = overrides.secrets ?? createSecretCache({ client: new SecretsManagerClient(AWS_CLIENT_TIMEOUTS), ttlMs: 0, now });
  const publisher = createEventPublisher({
    client: new EventBridgeClient({}),
    eventBusName: config.eventBusName,
    source: config.eventSource,
    sleep,
    random,
  });

  const handleInvocation = async (event: unknown, context: Context): Promise<BackfillInvocationResult> => {
    const input = readBackfillInput(event);
    const invokedAt = new Date(now());
    const endsAt = now() + context.getRemainingTimeInMillis();
    let cursor: BackfillCursor | undefined = input.kind === 'continue' ? input.cursor : undefined;
    const runId = cursor?.runId ?? context.awsRequestId;
    const backfill = input.kind === 'start' ? input.backfill : input.cursor.backfill;
    logger.appendKeys({ backfill, runId });

    try {
      if (cursor !== undefined && cursor.invocations > config.maxInvocationsPerRun) {
        throw new BackfillError(
          'TOO_MANY_INVOCATIONS',
          `The run needed more than ${config.maxInvocationsPerRun} invocations; raise the function timeout or the handover margin`,
        );
      }
      const requested = input.kind === 'start' ? input.manifest : input.cursor.manifest;
      const manifest = await readManifest(s3, requested);
      cursor =
        input.kind === 'continue'
          ? input.cursor
          : startCursor({
              runId,
              backfill,
              mode: input.mode,
              manifest: { bucket: requested.bucket, key: requested.key, etag: manifest.etag, versionId: manifest.versionId },
              startedAt: invokedAt,
            });
      logger.info(cursor.invocations === 1 ? 'Backfill started' : 'Backfill continued', {
        nextLine: cursor.nextLine,
        mode: cursor.mode,
        manifest: cursor.manifest,
      });

      const listingDeadline = deadlineAt(endsAt - LISTING_RESERVE_MS, now);
      const listGroup =
        cursor.mode === 'missing'
          ? createGroupLister({
              baseUrl: config.fivetranApiUrl,
              apiKey: await readApiKey(secrets, config.fivetranApiSecretId, listingDeadline),
              timeoutMs: config.fivetranRequestTimeoutMs,
              maxAttempts: config.maxListingAttempts,
              backoff: overrides.backoff ?? DEFAULT_BACKOFF,
              deadline: listingDeadline,
              sleep,
              random,
              now,
              ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
              onRetry: ({ groupId, attempt, delayMs, error }) =>
                logger.warn('Retrying a group listing', { groupId, attempt, delayMs, errorCode: error.code }),
            })
          : async (): Promise<GroupListing> => ({ ok: false, code: 'GROUP_LISTING_FAILED', reason: 'mode "all" lists no group' });

      const findDeferred =
        ledger === undefined
          ? undefined
          : createDeferredLookup({
              ...ledger,
              deadline: () => listingDeadline,
              sleep,
              random,
              onUnread: (unread, why) =>
                logger.warn("Could not read which requests wait for Fivetran's budget; their lines are enqueued", { unread, why }),
            });
      const step = await continueBackfill(cursor, parseManifest(manifest.text), {
        listGroup,
        ...(findDeferred === undefined ? {} : { findDeferred }),
        now,
        enqueue: (requests) => enqueue(requests, { queueUrl: config.queueUrl, sqsClient: sqs, sleep, random }),
        timeIsShort: () => endsAt - now() < config.handoffMarginMs,
        chunkLines: config.chunkLines,
        onChunkSettled: (settled) => {
          cursor = settled;
          logger.debug('Chunk settled', { nextLine: settled.nextLine, counts: settled.counts });
        },
      });
      cursor = step.cursor;

      if (step.kind === 'handoff') {
        await handOver(context, step.cursor);
        logger.info('Backfill handed over to a follow-up invocation', { nextLine: step.cursor.nextLine, counts: step.cursor.counts });
        return { status: 'handed_off', runId, nextLine: step.cursor.nextLine, counts: step.cursor.counts };
      }
      // Bounded like every outside call, and never by more than the hand-off margin kept for this last step.
      const queue = await readQueueBacklog(
        sqs,
        config.queueUrl,
        deadlineAt(Math.min(now() + QUEUE_READ_MS, endsAt - config.handoffMarginMs / 2), now),
      );
      const completed = completedEvent(step.cursor, { finishedAt: new Date(now()), ...(queue === undefined ? {} : { queue }) });
      await publisher.publish([completed]);
      metrics.addMetric('BackfillsCompleted', MetricUnit.Count, 1);
      metrics.addMetric('BackfillRequestsEnqueued', MetricUnit.Count, step.cursor.counts.enqueued);
      metrics.addMetric('BackfillRequestsWaiting', MetricUnit.Count, step.cursor.counts.waiting);
      logger.info('Backfill completed', {
        counts: step.cursor.counts,
        ...(completed.detail.waiting === undefined ? {} : { waiting: completed.detail.waiting }),
        queue,
        durationMs: completed.detail.durationMs,
        invocations: step.cursor.invocations,
      });
      return { status: 'completed', runId, counts: step.cursor.counts };
    } catch (error) {
      const abort =
        error instanceof BackfillError
          ? error
          : new BackfillError('INTERNAL_ERROR', `The run failed unexpectedly (${error instanceof Error ? error.name : 'UnknownError'})`, {
              cause: error,
            });
      logger.error('Backfill aborted', { errorCode: abort.code, message: abort.message, error: error as Error });
      // Counted before the event is published: an abort whose event cannot be published still alarms.
      metrics.addMetric('BackfillsAborted', MetricUnit.Count, 1);
      const end = { finishedAt: new Date(now()), error: { code: abort.code, message: abort.message } };
      await publisher.publish([
        cursor === undefined
          ? abortedBeforeStart({
              runId,
              backfill,
              mode: input.kind === 'start' ? input.mode : input.cursor.mode,
              manifest: input.kind === 'start' ? input.manifest : input.cursor.manifest,
              startedAt: invokedAt,
              ...end,
            })
          : completedEvent(cursor, end),
      ]);
      // A fault nobody foresaw also fails the invocation, so it shows in the function's Errors metric.
      if (!(error instanceof BackfillError)) throw error;
      return { status: 'aborted', runId, code: abort.code, message: abort.message };
    }
  };

  /** Starts the follow-up: the same function (as invoked), asynchronously, with the cursor. */
  const handOver = async (context: Context, cursor: BackfillCursor): Promise<void> => {
    try {
      await lambda.send(
        new InvokeCommand({
          FunctionName: context.invokedFunctionArn,
          InvocationType: 'Event',
          Payload: Buffer.from(continuationPayload(cursor)),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new BackfillError(
        'HANDOFF_FAILED',
        `Could not start the follow-up invocation (${name}); the run stopped at line ${cursor.nextLine}`,
        {
          cause: error,
        },
      );
    }
  };

  return middy<unknown, BackfillInvocationResult>(handleInvocation)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

/**
 * The worker's Fivetran API key secret (`{"apiKey","apiSecret"}`), for a run
 * that lists groups. Any fault stops the run (API_KEY_UNAVAILABLE): without
 * the key no group can be listed, and reporting every line as failed would
 * bury the one cause.
 */
async function readApiKey(secrets: SecretCache, secretId: string, deadline: Deadline): Promise<FivetranApiKey> {
  try {
    return await secrets.read(secretId, (secretString) => parseApiKeySecret(secretId, secretString), { deadline });
  } catch (error) {
    // The worker's message says records are retried; a backfill is not, so it gets its own words.
    const message =
      error instanceof ProvisioningError
        ? `The Fivetran API key secret ${secretId} must hold JSON {"apiKey": "...", "apiSecret": "..."}`
        : `Could not read the Fivetran API key secret ${secretId} (${error instanceof Error ? error.name : 'UnknownError'})`;
    throw new BackfillError('API_KEY_UNAVAILABLE', message, { cause: error });
  }
}
