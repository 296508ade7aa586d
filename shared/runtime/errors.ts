import type { CreationSlot } from '../contracts/deferral';
import {
  type ConfigurationCode,
  type ErrorCode,
  isTransientCode,
  type LifecycleFailureCode,
  type RedriveErrorCode,
  type RefusalCode,
  type TransientCode,
} from '../contracts/error-codes';
import type { FivetranAnswer } from '../contracts/events';

/**
 * The base of every error the functions raise on purpose: a stable machine
 * code (shared/contracts/error-codes.ts) and a message a person can act on.
 * The code, not the message, decides what happens next; no caller reads
 * structure back out of a message.
 */
export abstract class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  abstract override readonly name: string;
  readonly code: C;
  /** Whether another try may succeed: decided by the code alone (isTransientCode). */
  readonly retryable: boolean;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = isTransientCode(code);
  }
}

/** One thing wrong with a request: where (dot path, '' for the whole body) and why, in words that are safe to publish. */
export interface RequestIssue {
  path: string;
  reason: string;
}

export interface ProvisioningErrorOptions {
  /** What Fivetran answered, when it answered. */
  fivetran?: FivetranAnswer;
  /** How long Fivetran asked us to wait before the next call (a 429's Retry-After). */
  retryAfterSeconds?: number;
  /**
   * FIVETRAN_RATE_LIMITED before a create: the slot of Fivetran's creation
   * budget reserved for the request in a later window, and when it may be
   * used; the request comes back then, holding it.
   */
  reservedSlot?: CreationSlot & { at: number };
  cause?: unknown;
  /**
   * Secret values the fault came across without using them (the contents of a
   * credentials secret that could not be read as one), so the record's
   * redactor removes them too. Never part of the message, never serialized.
   */
  secretValues?: readonly string[];
  /** INVALID_REQUEST: every finding of the request parser, by path (the message shows the first few). */
  issues?: readonly RequestIssue[];
  /** INVALID_REQUEST: what is wrong, without the message's "Invalid request: " lead. */
  reason?: string;
}

/**
 * A fault of provisioning one request. Messages must be safe to publish: they
 * say what to fix and never carry a secret value.
 */
export class ProvisioningError extends CodedError<LifecycleFailureCode | TransientCode> {
  override readonly name = 'ProvisioningError';
  readonly fivetran?: FivetranAnswer;
  readonly retryAfterSeconds?: number;
  readonly reservedSlot?: CreationSlot & { at: number };
  readonly issues?: readonly RequestIssue[];
  readonly reason?: string;
  readonly #secretValues: readonly string[];

  constructor(code: LifecycleFailureCode | TransientCode, message: string, options: ProvisioningErrorOptions = {}) {
    super(code, message, options);
    if (options.fivetran !== undefined) this.fivetran = options.fivetran;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.reservedSlot !== undefined) this.reservedSlot = options.reservedSlot;
    if (options.issues !== undefined) this.issues = options.issues;
    if (options.reason !== undefined) this.reason = options.reason;
    this.#secretValues = options.secretValues ?? [];
  }

  /** See ProvisioningErrorOptions.secretValues. */
  get secretValues(): readonly string[] {
    return this.#secretValues;
  }
}

/** Raised at cold start when an environment variable is missing or malformed. */
export class ConfigurationError extends CodedError<ConfigurationCode> {
  override readonly name = 'ConfigurationError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIGURATION_INVALID', message, options);
  }
}

/** A redrive fault with a stable code and a message that says what to do. */
export class RedriveError extends CodedError<RedriveErrorCode> {
  override readonly name = 'RedriveError';
}

/** Codes of a rotation fan-out or drift check that could not put its reapply_credentials requests on the queue. */
export type ReapplySendCode = RefusalCode | 'LEDGER_UNAVAILABLE' | 'DEADLINE_REACHED';

/**
 * The rotation fan-out or the drift check could not hand every request it
 * owed to the queue. Thrown, so the invocation fails and is tried again
 * (EventBridge's retry policy, then the rule's dead-letter queue); sending
 * again is safe, since the worker's ledger drops a request id it has settled.
 */
export class ReapplySendError extends CodedError<ReapplySendCode> {
  override readonly name = 'ReapplySendError';
}
