import type { BackfillAbortCode } from '../../shared/contracts/error-codes';
import { CodedError } from '../../shared/runtime/errors';

/**
 * A fault that ends a backfill run before its last line, with a stable code
 * (published in the `Backfill Completed` event) and a message an operator can
 * act on. Line-level problems are never BackfillErrors: they are reported and
 * the run goes on.
 */
export class BackfillError extends CodedError<BackfillAbortCode> {
  override readonly name = 'BackfillError';
}

/** The event the backfill function was invoked with is neither a schedule's input nor a follow-up's cursor. */
export class InvalidBackfillEventError extends CodedError<'BACKFILL_EVENT_INVALID'> {
  override readonly name = 'InvalidBackfillEventError';

  constructor(message: string) {
    super('BACKFILL_EVENT_INVALID', message);
  }
}
