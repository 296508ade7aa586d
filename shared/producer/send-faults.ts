import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';

/** Entry codes SQS may report as the sender's fault although a later try can succeed. */
const THROTTLING_CODES = new Set(['RequestThrottled', 'ThrottlingException', 'Throttling', 'TooManyRequestsException']);

/**
 * A failed batch entry worth sending again: SQS says it was not the sender's
 * fault (an internal error), or it was throttled. Everything else (a bad
 * character, a message too large) fails the same way every time.
 */
export function isRetryableEntryFailure(failure: Pick<BatchResultErrorEntry, 'SenderFault' | 'Code'>): boolean {
  return failure.SenderFault === false || THROTTLING_CODES.has(failure.Code ?? '');
}

/**
 * A SendMessageBatch call that failed as a whole (after the SDK's own
 * retries) and may still succeed later: throttling, a server fault, or no
 * answer at all. A client fault (no such queue, access denied, a malformed
 * request) fails the same way for every batch, so the caller stops at it.
 */
export function isRetryableCallError(error: unknown): boolean {
  const fault = error as { name?: string; $fault?: string } | null | undefined;
  if (THROTTLING_CODES.has(fault?.name ?? '')) return true;
  return fault?.$fault !== 'client';
}
