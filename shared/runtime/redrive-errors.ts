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

/** A redrive fault with a stable code and a message that says what to do. */
export class RedriveError extends Error {
  override readonly name = 'RedriveError';
  readonly code: RedriveErrorCode;

  constructor(code: RedriveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

