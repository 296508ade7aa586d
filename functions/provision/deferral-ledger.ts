import type { Deadline } from '../../shared/runtime/retry';
import type { DeferralPlan } from './deferral';
import type { RecordProcessorDeps, SettledRecord } from './process-record';
import { describeError, type RecordLog } from './record-log';

/**
 * Writes down that a create waits on the queue for Fivetran's budget, so a
 * backfill, which cannot see a delayed message, counts it as waiting instead
 * of enqueueing it again. Called once the deferred message is on the queue:
 * that message is what keeps the request, so a ledger fault here costs only
 * the note (logged and counted as DeferralsNotRecorded), never the request;
 * the original is still acknowledged. Lifecycle requests are not noted: no
 * backfill sends them.
 */
export async function recordDeferral(
  settled: Pick<SettledRecord, 'request' | 'sqsMessageId'>,
  next: Extract<DeferralPlan, { kind: 'defer' }>['next'],
  deps: Pick<RecordProcessorDeps, 'ledger' | 'now' | 'count'>,
  deadline: Deadline,
  logger: RecordLog,
): Promise<void> {
  const { request } = settled;
  if (deps.ledger === undefined || request === undefined || request.action !== 'create') return;
  try {
    await deps.ledger.recordRequest(
      {
        requestId: request.requestId,
        action: 'create',
        status: 'deferred',
        sqsMessageId: settled.sqsMessageId,
        notBefore: new Date(next.notBefore).toISOString(),
        waitingSince: new Date(next.waitingSince).toISOString(),
        recordedAt: new Date(deps.now()).toISOString(),
      },
      { deadline },
    );
  } catch (error) {
    deps.count?.('DeferralsNotRecorded');
    logger.warn('Could not note the deferral in the ledger; the request still waits on the queue, but a backfill may enqueue it again', {
      errorCode: 'LEDGER_UNAVAILABLE',
      error: describeError(error),
    });
  }
}
