import type { TransientCode } from '../../shared/contracts/error-codes';
import { CodedError } from '../../shared/runtime/errors';

/**
 * Thrown to hand a record back to SQS; Powertools turns it into a batch item
 * failure. Its code is the transient fault that sent it back; its message
 * names only the code, since the record's log already said why, redacted.
 */
export class RecordHandedBack extends CodedError<TransientCode> {
  override readonly name = 'RecordHandedBack';

  constructor(code: TransientCode, message = `the record goes back to the queue (${code})`) {
    super(code, message);
  }
}
