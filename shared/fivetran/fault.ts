import type { FivetranFaultCode } from '../contracts/error-codes';
import { CodedError } from '../runtime/errors';

export interface FivetranFaultDetails {
  /** The HTTP status, when Fivetran answered. */
  status?: number;
  /** The `code` of Fivetran's error body (`NotFound_Group`, …). */
  fivetranCode?: string;
  /** The `message` of Fivetran's error body: whole, so it is redacted before it is cut where it leaves the function. */
  fivetranMessage?: string;
  /** A 429's Retry-After, in seconds. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * What went wrong on one call to Fivetran, as facts: whether an answer came
 * back and what it said (the code: FIVETRAN_NO_ANSWER, FIVETRAN_HTTP_ERROR,
 * FIVETRAN_BAD_ANSWER, FIVETRAN_REDIRECT). Whether to retry, look up or give
 * up is decided by the caller, which knows what the call was for
 * (fault-classification.ts), so `retryable` is false here: the classified
 * ProvisioningError carries the verdict.
 *
 * @example new FivetranFault('FIVETRAN_HTTP_ERROR', 'POST /v1/connections: Fivetran answered 409', { status: 409 })
 */
export class FivetranFault extends CodedError<FivetranFaultCode> {
  override readonly name = 'FivetranFault';
  readonly status?: number;
  readonly fivetranCode?: string;
  readonly fivetranMessage?: string;
  readonly retryAfterSeconds?: number;

  constructor(code: FivetranFaultCode, message: string, details: FivetranFaultDetails = {}) {
    super(code, message, details);
    if (details.status !== undefined) this.status = details.status;
    if (details.fivetranCode !== undefined) this.fivetranCode = details.fivetranCode;
    if (details.fivetranMessage !== undefined) this.fivetranMessage = details.fivetranMessage;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}
