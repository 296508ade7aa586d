import type { Deadline } from '../runtime/retry';

/**
 * Time limits for the worker's AWS SDK calls. Without them one hung
 * GetSecretValue, PutEvents or ChangeMessageVisibility holds the invocation
 * until Lambda kills it, and the whole batch comes back.
 */

/**
 * Each try of a call: the connection must open within `connectionTimeout`,
 * and the answer may not stall longer than `requestTimeout`. The SDK retries a
 * timed-out try (three tries in all); the deadline below bounds them together.
 */
export const AWS_CLIENT_TIMEOUTS = {
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  maxAttempts: 3,
};

/** Thrown (as the abort reason) when a call would start with no time left. */
export class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
}

/**
 * The options of an SDK `send` that is abandoned at `deadline`: the request is
 * aborted, its retries too, and the call rejects with an AbortError.
 *
 * @example await client.send(new GetSecretValueCommand({ SecretId }), untilDeadline(deadline))
 */
export function untilDeadline(deadline: Deadline | undefined): { abortSignal?: AbortSignal } {
  if (deadline === undefined) return {};
  const remaining = Math.floor(deadline.remainingMs());
  return {
    abortSignal: remaining > 0 ? AbortSignal.timeout(remaining) : AbortSignal.abort(new DeadlineReached('no time left in this invocation')),
  };
}

/** Whether an SDK call failed because it was abandoned at its deadline, or a try timed out. */
export function isTimeUp(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return ['AbortError', 'TimeoutError', 'DeadlineReached', 'RequestTimeout'].includes(error.name);
}

/**
 * Waits for `work`, but no longer than `deadline`: for work this caller did
 * not start and so cannot abort (a secret read another record started, under
 * its own deadline). The work itself goes on; only the wait ends.
 *
 * @example await settleBefore(sharedRead, deadline, () => new DeadlineReached('no answer in time'))
 */
export async function settleBefore<T>(work: Promise<T>, deadline: Deadline, timedOut: () => Error): Promise<T> {
  const remaining = Math.floor(deadline.remainingMs());
  if (remaining <= 0) {
    work.catch(() => undefined);
    throw timedOut();
  }
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), remaining);
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
