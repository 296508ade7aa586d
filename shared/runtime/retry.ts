/**
 * How long to wait before the next try, and whether another try fits in the
 * time the invocation has left. Pure: the clock and the dice are passed in.
 */

export interface BackoffOptions {
  /** The first retry waits up to this long. */
  baseDelayMs: number;
  /** No wait grows past this, however many tries came before. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 300, maxDelayMs: 5_000 };

/**
 * Exponential backoff with full jitter: a uniform wait in
 * [0, min(max, base * 2^(retry-1))], so that many records failing together
 * do not come back together.
 *
 * @example backoffDelayMs(3, DEFAULT_BACKOFF, Math.random) // somewhere in 0..1200
 */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Reads a `Retry-After` header: whole seconds or an HTTP date. Returns the
 * wait in seconds (never negative, and never more than the longest a record
 * can be hidden in SQS: a wait of 999999999 seconds or until the year 9999
 * means nothing more), or undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Number(trimmed));
  // An HTTP date always names a weekday and month; anything else (like "-5") is unreadable.
  const dateMs = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(dateMs)) return undefined;
  return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(0, Math.ceil((dateMs - nowMs) / 1000)));
}

/**
 * The wait before the next try: the jittered backoff, but never shorter than
 * what the server asked for.
 */
export function nextDelayMs(retry: number, retryAfterSeconds: number | undefined, options: BackoffOptions, random: () => number): number {
  const jittered = backoffDelayMs(retry, options, random);
  return retryAfterSeconds === undefined ? jittered : Math.max(jittered, retryAfterSeconds * 1000);
}

/** A point in time past which no new call may start. */
export interface Deadline {
  /** Milliseconds left before the deadline (negative once past it). */
  remainingMs(): number;
}

export function deadlineAt(atMs: number, now: () => number): Deadline {
  return { remainingMs: () => atMs - now() };
}

/** SQS refuses a visibility timeout above 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
