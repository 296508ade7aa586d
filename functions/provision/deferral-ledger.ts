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

/** The warning of a deferral note the ledger failed to remove; a test reads the log for it. */
export const DEFERRAL_NOT_FORGOTTEN_LOG_MESSAGE =
  'Could not remove the deferral note of a dead-lettered request from the ledger; a backfill counts the request as waiting until an hour past its next try';

/**
 * Removes the deferral note of a create about to be dead-lettered
 * (RETRIES_EXHAUSTED): no message waits for it any more, so a backfill must
 * treat its line as it treats any line without an outcome, not count it as
 * waiting. Only a note of the request's own message is removed, and only
 * while it is a deferral: an outcome, or another message's deferral, written
 * meanwhile stays. Nothing is recorded in its place: a redrive may still
 * succeed. A ledger fault costs only the note (logged and counted as
 * DeferralsNotForgotten), never the record or its event. Only a record that
 * came back deferred can have a note of its own message, so no other is asked about.
 */
export async function forgetDeferral(
  settled: Pick<SettledRecord, 'request' | 'sqsMessageId' | 'deferral'>,
  deps: Pick<RecordProcessorDeps, 'ledger' | 'count'>,
  deadline: Deadline,
  logger: RecordLog,
): Promise<void> {
  const { request } = settled;
  if (deps.ledger === undefined || request === undefined || request.action !== 'create' || settled.deferral === undefined) return;
  try {
    await deps.ledger.forgetDeferral(request.requestId, settled.sqsMessageId, { deadline });
  } catch (error) {
    deps.count?.('DeferralsNotForgotten');
    logger.warn(DEFERRAL_NOT_FORGOTTEN_LOG_MESSAGE, { errorCode: 'LEDGER_UNAVAILABLE', error: describeError(error) });
  }
}
