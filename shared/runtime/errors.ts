import type { FailureCode, FivetranAnswer } from '../contracts/events';

/**
 * Codes of faults that are worth another try: the record goes back to the
 * queue (and finally to the dead-letter queue) instead of being acknowledged.
 * They never appear in a failure event on their own; on the last delivery the
 * event says `RETRIES_EXHAUSTED` and its message names the last of them.
 */
export const TRANSIENT_CODES = [
  'FIVETRAN_UNAVAILABLE',
  'FIVETRAN_RATE_LIMITED',
  'FIVETRAN_AUTH_FAILED',
  /** A 404 naming no resource: a wrong FIVETRAN_API_URL or an outage, never the request's fault. */
  'FIVETRAN_ROUTE_NOT_FOUND',
  'API_KEY_UNAVAILABLE',
  'SECRETS_UNAVAILABLE',
  'EVENT_PUBLISH_FAILED',
  /** A fault nobody foresaw: kept, not dropped, so it reaches the dead-letter queue. */
  'INTERNAL_ERROR',
] as const;
export type TransientCode = (typeof TRANSIENT_CODES)[number];

export type ErrorCode = FailureCode | TransientCode;

const TRANSIENT = new Set<string>(TRANSIENT_CODES);

export function isTransientCode(code: ErrorCode): code is TransientCode {
  return TRANSIENT.has(code);
}

export interface ProvisioningErrorOptions {
  /** What Fivetran answered, when it answered. */
  fivetran?: FivetranAnswer;
  /** How long Fivetran asked us to wait before the next call (a 429's Retry-After). */
  retryAfterSeconds?: number;
  cause?: unknown;
  /**
   * Secret values the fault came across without using them (the contents of a
   * credentials secret that could not be read as one), so the record's
   * redactor removes them too. Never part of the message, never serialized.
   */
  secretValues?: readonly string[];
}

/**
 * A fault with a stable machine code. The code, not the message, decides
 * whether a record is retried. Messages must be safe to publish: they say what
 * to fix and never carry a secret value.
 */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly fivetran?: FivetranAnswer;
  readonly retryAfterSeconds?: number;
  readonly #secretValues: readonly string[];

  constructor(code: ErrorCode, message: string, options: ProvisioningErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = isTransientCode(code);
    if (options.fivetran !== undefined) this.fivetran = options.fivetran;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    this.#secretValues = options.secretValues ?? [];
  }

  /** See ProvisioningErrorOptions.secretValues. */
  get secretValues(): readonly string[] {
    return this.#secretValues;
  }
}

/** Raised at cold start when an environment variable is missing or malformed. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
