import type { LifecycleRequest } from '../../../shared/contracts/lifecycle-request';
import type { FivetranClient } from '../../../shared/fivetran/client';
import { ProvisioningError } from '../../../shared/runtime/errors';
import type { Redactor } from '../../../shared/runtime/redact';
import { DEFAULT_BACKOFF } from '../../../shared/runtime/retry';
import type { InvocationScope, RecordProcessorDeps, SettledRecord } from '../process-record';
import type { RecordLog } from '../record-log';
import type { LifecycleContext } from './context';
import type { AttemptCount } from './fivetran-calls';

/**
 * The context of one lifecycle request, from the container's collaborators
 * and the invocation's scope: the same rate gate, retries, deadline and
 * redactor as a create. Without a ledger there is nothing to act on (LEDGER_NOT_CONFIGURED).
 */
export function lifecycleContext(
  request: LifecycleRequest,
  settled: SettledRecord,
  redactor: Redactor,
  logger: RecordLog,
  attempts: AttemptCount,
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
  };
}
