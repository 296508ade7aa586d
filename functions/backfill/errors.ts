import type { BackfillAbortCode } from '../../shared/contracts/backfill-events';

/**
 * A fault that ends a backfill run before its last line, with a stable code
 * (published in the `Backfill Completed` event) and a message an operator can
 * act on. Line-level problems are never BackfillErrors: they are reported and
 * the run goes on.
 */
export class BackfillError extends Error {
  override readonly name = 'BackfillError';
  readonly code: BackfillAbortCode;

  constructor(code: BackfillAbortCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The event the backfill function was invoked with is neither a schedule's input nor a follow-up's cursor. */
export class InvalidBackfillEventError extends Error {
  override readonly name = 'InvalidBackfillEventError';
}
