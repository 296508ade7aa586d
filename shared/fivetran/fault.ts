/**
 * What went wrong on one call to Fivetran, as facts: whether an answer came
 * back and what it said. Whether to retry, look up or give up is decided by
 * the caller, which knows what the call was for.
 */
export type FivetranFaultKind =
  /** No answer: the connection failed, was reset, or timed out. The request may or may not have been applied. */
  | 'no-answer'
  /** Fivetran answered with a status outside 2xx. */
  | 'http'
  /** A 2xx answer whose body is not what the API promises, or any answer too large to read. */
  | 'bad-answer'
  /** A 3xx: never followed, since it would send the request (and its credentials) elsewhere. Worth another try, not a refusal. */
  | 'redirect';

export class FivetranFault extends Error {
  override readonly name = 'FivetranFault';
  constructor(
    readonly kind: FivetranFaultKind,
    message: string,
    readonly status?: number,
    readonly fivetranCode?: string,
    readonly fivetranMessage?: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
