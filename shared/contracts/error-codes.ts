/**
 * Every machine code the provisioner's errors and results carry, declared
 * once. Codes are stable: producers, subscribers, the CLI and the functions
 * branch on them, never on a message. A code in two lists means the same
 * thing in both (GROUP_NOT_FOUND is one fault, whether the worker or a
 * backfill meets it).
 */

/** Error codes a `Connection Provisioning Failed` event can carry. Stable: subscribers branch on them. */
export const FAILURE_CODES = [
  'INVALID_REQUEST',
  'CREDENTIALS_NOT_ALLOWED',
  'CREDENTIALS_NOT_FOUND',
  'CREDENTIALS_INVALID',
  'GROUP_NOT_FOUND',
  'SCHEMA_TAKEN',
  'PERMISSION_DENIED',
  'FIVETRAN_REJECTED',
  'RETRIES_EXHAUSTED',
  /** The request waited for Fivetran's rate-limit budget longer than MAX_DEFERRAL_HOURS. */
  'RATE_LIMIT_WAIT_EXCEEDED',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Codes only a lifecycle request (update, pause, resume, reapply_credentials, decommission) can fail with. */
export const LIFECYCLE_ONLY_FAILURE_CODES = [
  /** Fivetran has no such connection (404), or the ledger has no create request with the target's requestId. */
  'CONNECTION_NOT_FOUND',
  /** The ledger does not list the connection: the provisioner acts only on connections it made. */
  'CONNECTION_NOT_MANAGED',
  /** A decommission's confirmSchema is not the connection's schema: nothing was touched. */
  'CONFIRMATION_MISMATCH',
  /** Fivetran's setup tests failed with the re-applied credentials: the connection is broken until someone acts. */
  'SETUP_TESTS_FAILED',
  /** This deployment has no ledger (LEDGER_TABLE_NAME unset), so it cannot find or record connections. */
  'LEDGER_NOT_CONFIGURED',
] as const;
/** Error codes a `Connection Lifecycle Request Failed` event can carry: the provisioning ones and the lifecycle ones. */
export const LIFECYCLE_FAILURE_CODES = [...FAILURE_CODES, ...LIFECYCLE_ONLY_FAILURE_CODES] as const;
export type LifecycleFailureCode = (typeof LIFECYCLE_FAILURE_CODES)[number];

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
  /** The invocation had to answer before the record was done. */
  'DEADLINE_REACHED',
  /** The ledger (DynamoDB) did not answer, or failed: the request is tried again. */
  'LEDGER_UNAVAILABLE',
  /**
   * Another run applied another version of the same credentials while this
   * one did: which one Fivetran kept is unknown, so the ledger forgets its
   * applied version and the request is tried again.
   */
  'CREDENTIALS_APPLY_RACED',
] as const;
export type TransientCode = (typeof TRANSIENT_CODES)[number];

/** Codes of a backfill run that stopped before its last line (`Backfill Completed`, status "aborted"). */
export const BACKFILL_ABORT_CODES = [
  'MANIFEST_UNREADABLE',
  'MANIFEST_CHANGED',
  'MANIFEST_TOO_LARGE',
  'API_KEY_UNAVAILABLE',
  'HANDOFF_FAILED',
  'TOO_MANY_INVOCATIONS',
  'INTERNAL_ERROR',
] as const;
export type BackfillAbortCode = (typeof BACKFILL_ABORT_CODES)[number];

/** Why a valid manifest line was not put on the queue (`Backfill Completed`, failedLines). */
export const NOT_ENQUEUED_CODES = [
  /** The line's group does not exist in Fivetran. */
  'GROUP_NOT_FOUND',
  /** The schema is used by a connection of another service: the worker would refuse the request too. */
  'SCHEMA_TAKEN',
  /** The group's connections could not be listed (Fivetran down, rate limited, API key refused). */
  'GROUP_LISTING_FAILED',
  /** SQS refused the message, or kept failing until the re-sends ran out (the producer's SQS_* codes). */
  'SQS_REJECTED',
  'SQS_UNAVAILABLE',
] as const;
export type NotEnqueuedCode = (typeof NOT_ENQUEUED_CODES)[number];

/**
 * Why the producer did not put a request on the queue. Stable: callers branch on it.
 * - INVALID_REQUEST: the worker would refuse it too, so it is never sent.
 * - SQS_REJECTED: SQS refused the entry for good (a sender fault such as a bad character).
 * - SQS_UNAVAILABLE: SQS kept failing with a retryable error until the re-sends ran out.
 * - CLIENT_NOT_CONFIGURED: the SQS client has no region or no credentials; nothing was sent, and re-sending would not help.
 */
export const REFUSAL_CODES = ['INVALID_REQUEST', 'SQS_REJECTED', 'SQS_UNAVAILABLE', 'CLIENT_NOT_CONFIGURED'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** Why a redrive did not start or did not finish. Stable: the CLI and the scheduled function branch on them. */
export const REDRIVE_ERROR_CODES = [
  /** The queue named does not exist (or is not visible to the caller). */
  'QUEUE_NOT_FOUND',
  /** A move task is already running on the dead-letter queue; SQS allows one at a time. */
  'MOVE_TASK_RUNNING',
  /** No queue names the dead-letter queue in its redrive policy, so there is nowhere to move to. */
  'NO_SOURCE_QUEUE',
  /** Several queues use the dead-letter queue; the caller must say which one to move to. */
  'AMBIGUOUS_SOURCE_QUEUE',
  /** An SQS call failed in a way that repeating it at once would not fix. */
  'SQS_FAILED',
  /** The destination is the dead-letter queue itself: the messages would only go round. */
  'SAME_QUEUE',
  /** The SQS client has no region or no credentials; the message says which to set. */
  'CLIENT_NOT_CONFIGURED',
] as const;
export type RedriveErrorCode = (typeof REDRIVE_ERROR_CODES)[number];

/**
 * What went wrong on one call to Fivetran, as a fact. Whether that is worth
 * another try depends on what the call was for; the provisioning worker's
 * classification turns it into one of the codes above.
 */
export const FIVETRAN_FAULT_CODES = [
  /** No answer: the connection failed, was reset, or timed out. The request may or may not have been applied. */
  'FIVETRAN_NO_ANSWER',
  /** Fivetran answered with a status outside 2xx. */
  'FIVETRAN_HTTP_ERROR',
  /** A 2xx answer whose body is not what the API promises, or any answer too large to read. */
  'FIVETRAN_BAD_ANSWER',
  /** A 3xx: never followed, since it would send the request (and its credentials) elsewhere. */
  'FIVETRAN_REDIRECT',
] as const;
export type FivetranFaultCode = (typeof FIVETRAN_FAULT_CODES)[number];

/** A function's environment is missing a variable or holds a malformed one; raised at cold start. */
export const CONFIGURATION_CODES = ['CONFIGURATION_INVALID'] as const;
export type ConfigurationCode = (typeof CONFIGURATION_CODES)[number];

/** Faults of one invocation as a whole, not of a request or a line. */
export const INVOCATION_CODES = [
  /** The backfill function was invoked with an event that is neither a schedule's input nor a continuation. */
  'BACKFILL_EVENT_INVALID',
  /** The rotation fan-out was invoked with an event that is not Secrets Manager's `Secret Label Updated`: logged and dropped. */
  'ROTATION_EVENT_INVALID',
] as const;
export type InvocationCode = (typeof INVOCATION_CODES)[number];

export type ErrorCode =
  | LifecycleFailureCode
  | TransientCode
  | BackfillAbortCode
  | NotEnqueuedCode
  | RefusalCode
  | RedriveErrorCode
  | FivetranFaultCode
  | ConfigurationCode
  | InvocationCode;

const TRANSIENT = new Set<string>(TRANSIENT_CODES);
const PROVISIONING_FAILURES = new Set<string>(FAILURE_CODES);

/** Whether a `Connection Provisioning Failed` event can carry this code (the lifecycle-only codes cannot). */
export function isFailureCode(code: ErrorCode): code is FailureCode {
  return PROVISIONING_FAILURES.has(code);
}

/** Whether a provisioning fault with this code goes back to the queue (true) or ends the request with its event (false). */
export function isTransientCode(code: ErrorCode): code is TransientCode {
  return TRANSIENT.has(code);
}
