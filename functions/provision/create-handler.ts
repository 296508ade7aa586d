import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { AWS_CLIENT_TIMEOUTS } from '../../shared/aws/aws-calls';
import { createEventPublisher } from '../../shared/aws/event-publisher';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { apiKeyUnavailable, parseApiKeySecret } from '../../shared/fivetran/api-key';
import { createFivetranClient, type FivetranApiKey, type FivetranClient } from '../../shared/fivetran/client';
import type { Ledger } from '../../shared/ledger/ledger';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { HandlerOverrides } from '../../shared/runtime/handler-overrides';
import { type Deadline, deadlineAt } from '../../shared/runtime/retry';
import { createSecretCache } from '../../shared/runtime/secret-cache';
import { type ProvisionerConfig, powertoolsNames } from '../../shared/runtime/settings';
import { locationFromFunctionArn } from './credentials-reference';
import { createCredentialsStore } from './credentials-store';
import { createDeferralSpread } from './deferral-spread';
import { fivetranCallTracer } from './fivetran-tracing';
import { createGroupSnapshots, groupIdsOf } from './group-snapshots';
import { createKeyedLimiter } from './keyed-limiter';
import { type InvocationScope, parseRecord, processRecord, type RecordProcessorDeps } from './process-record';
import { createQueueVisibility } from './queue-visibility';
import { createRateGate } from './rate-gate';
import { RecordHandedBack } from './record-handed-back';
import { createSharedSpread } from './shared-spread';

/**
 * The share of SAFETY_MARGIN_MS kept back even from publishing and from SQS
 * calls (at most 1 s): no call runs into it, and within it every record not
 * done is handed back and the batch answers.
 */
const ANSWER_SHARE = 0.2;
const MAX_ANSWER_RESERVE_MS = 1_000;

/**
 * Builds the provisioning Lambda handler: middy wiring around Powertools'
 * batch processor, with every decision left to `processRecord`. With a
 * `ledger`, creates are recorded in it and lifecycle requests can act. Clients are
 * created here, once per container, with no endpoint of their own so the SDK's
 * `AWS_ENDPOINT_URL_*` settings apply.
 */
export function createHandler(config: ProvisionerConfig, overrides: HandlerOverrides = {}, ledger?: Ledger) {
  const now = overrides.now ?? Date.now;
  const names = powertoolsNames('provision');
  const logger = overrides.logger ?? new Logger({ serviceName: names.serviceName });
  const metrics = new Metrics({ namespace: names.namespace, serviceName: names.serviceName });
  // HTTP calls are not captured on their own: the AWS clients are, and each Fivetran call has its subsegment.
  const tracer = new Tracer({ serviceName: names.serviceName, captureHTTPsRequests: false });

  // The API key and the credentials share one cache, made here: per container, nothing kept at module level.
  const secretsManager = tracer.captureAWSv3Client(new SecretsManagerClient(AWS_CLIENT_TIMEOUTS));
  const secrets = overrides.secrets ?? createSecretCache({ client: secretsManager, ttlMs: config.secretsCacheTtlSeconds * 1000, now });
  const apiKeySecretId = config.fivetranApiSecretId;
  // Awaited only by records that reach Fivetran: a failed read is a per-record transient fault, and invalid records are still settled.
  const loadApiKey = async (deadline: Deadline): Promise<FivetranApiKey> => {
    try {
      return await secrets.read(apiKeySecretId, (secretString) => parseApiKeySecret(apiKeySecretId, secretString), { deadline });
    } catch (error) {
      throw error instanceof ProvisioningError ? error : apiKeyUnavailable(apiKeySecretId, error);
    }
  };

  let fivetran: { apiKey: FivetranApiKey; client: FivetranClient } | undefined;
  const rateGate = createRateGate({ now, ...(overrides.sleep ? { sleep: overrides.sleep } : {}) });
  const deps: RecordProcessorDeps = {
    config,
    credentials: createCredentialsStore(secrets, secretsManager),
    ...(ledger ? { ledger } : {}),
    publisher: createEventPublisher({
      client: tracer.captureAWSv3Client(new EventBridgeClient(AWS_CLIENT_TIMEOUTS)),
      eventBusName: config.eventBusName,
      source: config.eventSource,
      ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
      ...(overrides.random ? { random: overrides.random } : {}),
    }),
    visibility: createQueueVisibility(tracer.captureAWSv3Client(createSqsClient(AWS_CLIENT_TIMEOUTS))),
    fivetranClientFor(apiKey) {
      // A rotated key gets a new client; the same key keeps its connection pool.
      if (fivetran?.apiKey.apiKey !== apiKey.apiKey || fivetran.apiKey.apiSecret !== apiKey.apiSecret) {
        fivetran = {
          apiKey,
          client: createFivetranClient({
            baseUrl: config.fivetranApiUrl,
            apiKey,
            now,
            onQuota: (quota) => rateGate.quota(quota),
            ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
          }),
        };
      }
      return fivetran.client;
    },
    now,
    sleep: overrides.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: overrides.random ?? Math.random,
    ...(overrides.backoff ? { backoff: overrides.backoff } : {}),
    rateGate,
    // With the ledger, the containers share Fivetran's creation budget window by window; without it, each spreads its own.
    spread: ledger?.budget
      ? createSharedSpread(createDeferralSpread(), ledger.budget, config.fivetranApiSecretId, now)
      : createDeferralSpread(),
    count: (metric, dimensions) => {
      metrics.addMetric(metric, MetricUnit.Count, 1);
      if (dimensions === undefined) return;
      // A metric of its own, published at once: Powertools keeps one set of dimensions per flush.
      const single = metrics.singleMetric();
      for (const [name, value] of Object.entries(dimensions)) single.addDimension(name, value);
      single.addMetric(metric, MetricUnit.Count, 1);
    },
    measureWait: (ms) => metrics.addMetric('FivetranRetryWaitMs', MetricUnit.Milliseconds, ms),
    traceFivetranCalls: (record) => fivetranCallTracer(tracer, record),
    // With RecordsDeferred, the deferred backlog and how long it has waited: the drain time is that backlog over Fivetran's limit.
    measureDeferral: (waitedSeconds) => metrics.addMetric('DeferredWaitSeconds', MetricUnit.Seconds, waitedSeconds),
  };

  const handleBatch = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const startedAt = now();
    // Each body is read once: the group snapshots and the record's processing share the result.
    const parsedRecords = new Map(event.Records.map((record) => [record, parseRecord(record)]));
    const remainingMs = context.getRemainingTimeInMillis();
    const answerReserveMs = Math.min(MAX_ANSWER_RESERVE_MS, Math.ceil(config.safetyMarginMs * ANSWER_SHARE));
    // Calls end at the settle deadline; half the reserve later the batch answers, so a record whose last call
    // was just abandoned still logs why and hands itself back within this invocation.
    const settleWithinMs = Math.max(0, remainingMs - answerReserveMs);
    const answerWithinMs = Math.max(0, remainingMs - Math.floor(answerReserveMs / 2));
    const deadline = deadlineAt(startedAt + remainingMs - config.safetyMarginMs, now);
    const scope: InvocationScope = {
      deadline,
      settleDeadline: deadlineAt(startedAt + settleWithinMs, now),
      location: locationFromFunctionArn(context.invokedFunctionArn),
      limiter: createKeyedLimiter(config.recordConcurrency),
      // As many as records run at once: a turn never waits for a slot, only for the connection.
      connectionTurns: createKeyedLimiter(config.recordConcurrency),
      snapshots: createGroupSnapshots(groupIdsOf(parsedRecords.values())),
      logger,
      loadApiKey: () => loadApiKey(deadline),
      // A key Fivetran refuses is probably being rotated: read it again at the next read, not after the TTL.
      forgetApiKey: () => secrets.forget(apiKeySecretId),
    };
    // Whatever hangs, the batch answers in time: records not done by then go back to the queue, the rest are acknowledged.
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<'time up'>((resolve) => {
      timer = setTimeout(() => resolve('time up'), answerWithinMs);
    });
    const unfinished: string[] = [];
    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const parsed = parsedRecords.get(record) ?? parseRecord(record);
      const first = await Promise.race([processRecord(record, parsed, deps, scope).then(() => 'done' as const), timeUp]);
      if (first === 'time up') {
        unfinished.push(record.messageId);
        throw new RecordHandedBack('DEADLINE_REACHED', 'the invocation reached its deadline before the record was done');
      }
    };
    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS, { logger }), {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      clearTimeout(timer);
      if (unfinished.length > 0) {
        logger.warn('The invocation reached its deadline; unfinished records go back to the queue', { sqsMessageIds: unfinished });
      }
    }
  };

  return middy<SQSEvent, SQSBatchResponse, Error, Context>(handleBatch)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
