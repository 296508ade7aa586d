import type { LifecycleFailureCode } from '../../../shared/contracts/error-codes';
import type { LifecycleRequest } from '../../../shared/contracts/lifecycle-request';
import type { KnownRequestFields } from '../../../shared/contracts/request-parser';
import type { FivetranClient } from '../../../shared/fivetran/client';
import { ProvisioningError } from '../../../shared/runtime/errors';
import type { Redactor } from '../../../shared/runtime/redact';
import { DEFAULT_BACKOFF } from '../../../shared/runtime/retry';
import type { InvocationScope, RecordProcessorDeps, SettledRecord } from '../process-record';
import type { RecordLog } from '../record-log';
import type { LifecycleContext } from './context';
import type { AttemptCount } from './fivetran-calls';
import { runLifecycle } from './run-lifecycle';

/** One record's lifecycle request, as processRecord hands it over. */
export interface LifecycleRecord {
  request: LifecycleRequest;
  settled: SettledRecord;
  redactor: Redactor;
  logger: RecordLog;
  /** Tries made; read by the failure event when this throws. */
  attempts: AttemptCount;
}

/**
 * Acts on the connection a lifecycle request names and publishes its event
 * (none for a stale or already-applied version). Throws a coded fault for
 * processRecord to settle, having told `settled` what the failure event can
 * say: the target as the ledger named it, and failed setup tests.
 */
export async function lifecycleFromRecord(record: LifecycleRecord, deps: RecordProcessorDeps, scope: InvocationScope): Promise<void> {
  const ctx = lifecycleContext(record, deps, scope);
  try {
    const event = await runLifecycle(ctx);
    if (event !== undefined) await deps.publisher.publish([event], { deadline: scope.settleDeadline });
  } finally {
    record.settled.known = ctx.known;
    if (ctx.failedSetupTests) record.settled.setupTests = ctx.failedSetupTests;
  }
}

/**
 * Records a valid request's terminal failure in the ledger (when there is
 * one), so `status` can tell it; a request recorded as succeeded keeps that.
 * Throws what the ledger threw.
 */
export async function recordFailedRequest(
  settled: SettledRecord,
  errorCode: LifecycleFailureCode,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
): Promise<void> {
  if (deps.ledger === undefined || settled.request === undefined) return;
  await deps.ledger.recordRequest(
    {
      ...settled.request,
      status: 'failed',
      errorCode,
      ...(settled.known.connectionId === undefined ? {} : { connectionId: settled.known.connectionId }),
      sqsMessageId: settled.sqsMessageId,
      recordedAt: new Date(deps.now()).toISOString(),
    },
    { deadline: scope.settleDeadline },
  );
}

/** What a failure event can say of a valid lifecycle request before the ledger is read. */
export function knownFieldsOfLifecycle(request: LifecycleRequest): KnownRequestFields {
  return {
    requestId: request.requestId,
    action: request.action,
    ...('connectionId' in request.target ? { connectionId: request.target.connectionId } : {}),
    ...(request.context === undefined ? {} : { context: request.context }),
  };
}

/**
 * The context of one lifecycle request, from the container's collaborators
 * and the invocation's scope: the same rate gate, retries, deadline and
 * redactor as a create. Without a ledger there is nothing to act on (LEDGER_NOT_CONFIGURED).
 */
function lifecycleContext(
  { request, settled, redactor, logger, attempts }: LifecycleRecord,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
): LifecycleContext {
  const { ledger } = deps;
  if (ledger === undefined) {
    throw new ProvisioningError(
      'LEDGER_NOT_CONFIGURED',
      `This deployment has no ledger (LEDGER_TABLE_NAME is unset), so it cannot find the connection of a ${request.action} request`,
    );
  }
  let client: FivetranClient | undefined;
  return {
    request,
    sqsMessageId: settled.sqsMessageId,
    ledger,
    credentials: deps.credentials,
    async fivetran() {
      if (client === undefined) {
        const apiKey = await scope.loadApiKey();
        const basic = Buffer.from(`${apiKey.apiKey}:${apiKey.apiSecret}`).toString('base64');
        redactor.add(apiKey.apiKey, apiKey.apiSecret, `${apiKey.apiKey}:${apiKey.apiSecret}`, `Basic ${basic}`);
        client = deps.fivetranClientFor(apiKey);
      }
      return client;
    },
    calls: {
      deadline: scope.deadline,
      requestTimeoutMs: deps.config.fivetranRequestTimeoutMs,
      slowCallTimeoutMs: deps.config.fivetranCreateTimeoutMs,
      maxAttempts: deps.config.maxAttemptsPerDelivery,
      backoff: deps.backoff ?? DEFAULT_BACKOFF,
      sleep: deps.sleep,
      random: deps.random,
      ...(deps.rateGate ? { gate: deps.rateGate } : {}),
      onRateLimited: () => deps.count?.('FivetranRateLimited'),
      traceCall: deps.traceFivetranCalls?.({ requestId: request.requestId }),
      onRetry: ({ attempt, delayMs, error }) => {
        deps.measureWait?.(delayMs);
        logger.info('Retrying Fivetran', { attempt, delayMs, errorCode: error.code, reason: error.message });
      },
    },
    attempts,
    deadline: scope.deadline,
    redactor,
    logger,
    known: settled.known,
    count: (metric, dimensions) => deps.count?.(metric, dimensions),
    now: deps.now,
    inTurn: (connectionId, task) => scope.connectionTurns.run(connectionId, task),
  };
}
