import { isFailureCode, isTransientCode, type LifecycleFailureCode } from '../../shared/contracts/error-codes';
import { isLifecycleAction } from '../../shared/contracts/request-parser';
import type { ProvisioningError } from '../../shared/runtime/errors';
import type { Redactor } from '../../shared/runtime/redact';
import { deferOrGiveUp } from './deferral';
import { forgetDeferral } from './deferral-ledger';
import { failedEvent } from './events';
import { lifecycleFailedEvent } from './lifecycle/events';
import { recordFailedRequest } from './lifecycle/from-record';
import type { InvocationScope, RecordProcessorDeps, SettledRecord } from './process-record';
import { RecordHandedBack } from './record-handed-back';
import { describeError, HAND_BACK_LOG_MESSAGES, type RecordLog } from './record-log';

/**
 * Ends a failed record: a request fault is published and acknowledged; a
 * rate-limited one is deferred on the queue (or, having waited MAX_DEFERRAL_HOURS,
 * fails with RATE_LIMIT_WAIT_EXCEEDED); any other transient fault goes back
 * to the queue, with a RETRIES_EXHAUSTED event first when this was its last delivery.
 */
export async function settleFailure(
  settled: SettledRecord,
  fault: ProvisioningError,
  attempts: number,
  redactor: Redactor,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  logger: RecordLog,
): Promise<void> {
  const { record, deferral, sqsMessageId, knownAbsent, known } = settled;
  const deliveries = Number(record.attributes.ApproximateReceiveCount) || 1;
  const lifecycle = isLifecycleAction(known.action);
  const publishFailure = async (errorCode: LifecycleFailureCode, text: string): Promise<void> => {
    if (errorCode !== 'RETRIES_EXHAUSTED') await recordFailure(settled, errorCode, deps, scope, logger);
    try {
      const facts = { known, ...(fault.fivetran ? { fivetran: fault.fivetran } : {}), message: text, attempts, sqsMessageId };
      const event = lifecycle
        ? lifecycleFailedEvent({ ...facts, errorCode, ...(settled.setupTests ? { setupTests: settled.setupTests } : {}) }, redactor)
        : // A create meets none of the lifecycle-only codes; should one ever arise, the event still names a refusal.
          failedEvent({ ...facts, errorCode: isFailureCode(errorCode) ? errorCode : 'FIVETRAN_REJECTED' }, redactor);
      await deps.publisher.publish([event], { deadline: scope.settleDeadline });
    } catch (error) {
      logger.error(HAND_BACK_LOG_MESSAGES.notPublished, { errorCode, error: describeError(error) });
      throw new RecordHandedBack('EVENT_PUBLISH_FAILED', 'the failure event was not published; the record goes back to the queue');
    }
  };

  const code = fault.code;
  if (!isTransientCode(code)) {
    logger.warn(lifecycle ? 'Lifecycle request failed' : 'Provisioning failed', {
      errorCode: code,
      reason: fault.message,
      fivetranStatus: fault.fivetran?.status,
    });
    await publishFailure(code, fault.message);
    deps.count?.(lifecycle ? 'LifecycleRequestsFailed' : 'RequestsFailed', { errorCode: code });
    return;
  }

  if (code === 'FIVETRAN_RATE_LIMITED') {
    const handled = await deferOrGiveUp(
      { record, deferral, knownAbsent, sqsMessageId, ...(settled.request ? { request: settled.request } : {}) },
      fault,
      deps,
      scope,
      logger,
      publishFailure,
    );
    if (handled) return;
  }
  deps.count?.('RecordsRetried');
  if (deliveries >= deps.config.maxReceiveCount) {
    logger.error(HAND_BACK_LOG_MESSAGES.exhausted, { errorCode: fault.code, reason: fault.message, deliveries });
    const text = `Gave up after ${deliveries} deliveries; the last fault was ${fault.code}: ${fault.message}`;
    // After the event, which matters more, within the same deadline; the record goes to the dead-letter queue either way.
    await publishFailure('RETRIES_EXHAUSTED', text).finally(() => forgetDeferral(settled, deps, scope.settleDeadline, logger));
    throw new RecordHandedBack(code);
  }
  if (code === 'FIVETRAN_ROUTE_NOT_FOUND') {
    // Every record meets the same 404 until an operator fixes the setting: say so loudly, and which value is in use.
    logger.error('Fivetran answered 404 for a route it should know: check FIVETRAN_API_URL; the record goes back to the queue', {
      errorCode: fault.code,
      reason: fault.message,
      deliveries,
      fivetranApiUrl: deps.config.fivetranApiUrl,
    });
  } else {
    logger.warn(HAND_BACK_LOG_MESSAGES.transient, { errorCode: fault.code, reason: fault.message, deliveries });
  }
  if (fault.retryAfterSeconds !== undefined) {
    try {
      await deps.visibility.hideFor(record, fault.retryAfterSeconds, { deadline: scope.settleDeadline });
      logger.info('Record hidden until Fivetran accepts calls again', { retryAfterSeconds: fault.retryAfterSeconds });
    } catch (error) {
      // The queue's own visibility timeout still brings the record back; only the timing is off.
      logger.warn('Could not change the record visibility', { error: describeError(error) });
    }
  }
  throw new RecordHandedBack(code);
}

/** A terminal failure in the ledger, if there is one; a ledger that fails hands the record back: the event waits for it. */
async function recordFailure(
  settled: SettledRecord,
  errorCode: LifecycleFailureCode,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  logger: RecordLog,
) {
  try {
    await recordFailedRequest(settled, errorCode, deps, scope);
  } catch (error) {
    logger.error(HAND_BACK_LOG_MESSAGES.transient, { errorCode: 'LEDGER_UNAVAILABLE', reason: describeError(error).message });
    throw new RecordHandedBack('LEDGER_UNAVAILABLE');
  }
}
