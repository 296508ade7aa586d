import { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';

const defaults = {
  /** After a 429, creates go one at a time until this long has passed since its wait ended. */
  quietPeriodMs: 60_000,
  /**
   * When Fivetran's X-Rate-Limit-Remaining falls to this share of X-Rate-Limit
   * (or to RECORD_CONCURRENCY-like small numbers: at least 5), creates go one at
   * a time for a quiet period, before the next answer is a 429.
   */
  lowQuotaShare: 0.02,
  lowQuotaFloor: 5,
  /** A call needs at least this long before the deadline to be worth starting. */
  minCallMs: 1_000,
  /**
   * The longest a 429 closes the gate: Fivetran's documented Retry-After is an
   * hour, and its hourly limits are rolling. A longer one (a lying proxy, a
   * date in the year 9999) must not close it for the container's life; after
   * this the next call probes.
   */
  maxWaitMs: 3_600_000,
  now: Date.now as () => number,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
export type RateGateOptions = Partial<typeof defaults>;

export type CallKind = 'lookup' | 'create';

export interface RateGate {
  /**
   * Waits until a call may start and returns the function that ends it.
   * Throws FIVETRAN_RATE_LIMITED (with the wait as `retryAfterSeconds`) when
   * the call could not start before the deadline.
   */
  acquire(kind: CallKind, deadline: Deadline): Promise<() => void>;
  /**
   * Tells the gate Fivetran answered 429, and how long it asked to wait; `creates` when the 429 was Fivetran's
   * creation cap, which counts creations only: lookups go on meanwhile.
   */
  rateLimited(retryAfterSeconds: number | undefined, limits?: 'creates' | 'every call'): void;
  /** When the gate lets calls start again (epoch ms; in the past when it is open). */
  reopensAt(): number;
  /** Tells the gate what Fivetran's X-Rate-Limit and X-Rate-Limit-Remaining headers said. */
  quota(quota: { limit: number; remaining: number }): void;
}

/**
 * Coordinates the records of a container around Fivetran's rate limits.
 * Without it, every record that meets a 429 retries on its own when the wait
 * is over, and they all meet the next 429 together. With it, a 429 holds every
 * call back until the wait is over, and then creates go one at a time (each
 * answer tells whether the next may follow) until the limit has been quiet
 * for a while after the wait; the same when Fivetran's remaining quota runs low.
 *
 * @example
 * const release = await gate.acquire('create', deadline);
 * try { await client.createConnection(body, options) } finally { release() }
 */
export function createRateGate(options: RateGateOptions = {}): RateGate {
  const { quietPeriodMs, minCallMs, maxWaitMs, lowQuotaShare, lowQuotaFloor, now, sleep } = { ...defaults, ...options };
  let notBefore = 0;
  /** Fivetran's creation cap closes creates only: a lookup meanwhile spares the request one when it comes back. */
  let createsNotBefore = 0;
  // Counted from the end of a wait, not from the 429: otherwise a wait as long as the quiet period ends with
  // every record of every container resuming at full concurrency at once.
  let quietUntil = Number.NEGATIVE_INFINITY;
  let createInFlight: Promise<void> | undefined;

  const refuse = (waitMs: number): never => {
    throw new ProvisioningError('FIVETRAN_RATE_LIMITED', 'Fivetran asked to wait longer than this invocation has left', {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    });
  };
  const reopening = (kind: CallKind) => (kind === 'create' ? Math.max(notBefore, createsNotBefore) : notBefore);
  const waitUntilAllowed = async (kind: CallKind, deadline: Deadline): Promise<void> => {
    for (let waitMs = reopening(kind) - now(); waitMs > 0; waitMs = reopening(kind) - now()) {
      if (waitMs + minCallMs > deadline.remainingMs()) refuse(waitMs);
      await sleep(waitMs);
    }
  };

  return {
    async acquire(kind, deadline) {
      await waitUntilAllowed(kind, deadline);
      const probing = kind === 'create' && now() < quietUntil;
      if (!probing) return () => undefined;
      while (createInFlight !== undefined) {
        const remaining = deadline.remainingMs() - minCallMs;
        if (remaining <= 0) refuse(reopening(kind) - now());
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          createInFlight.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), remaining))),
        ]);
        clearTimeout(timer);
        if (timedOut) refuse(reopening(kind) - now());
        await waitUntilAllowed(kind, deadline);
      }
      let done!: () => void;
      createInFlight = new Promise<void>((resolve) => (done = resolve));
      return () => {
        createInFlight = undefined;
        done();
      };
    },
    rateLimited(retryAfterSeconds, limits = 'every call') {
      const waitMs = Math.min(maxWaitMs, Math.max(0, (retryAfterSeconds ?? 1) * 1000));
      if (limits === 'creates') createsNotBefore = Math.max(createsNotBefore, now() + waitMs);
      else notBefore = Math.max(notBefore, now() + waitMs);
      quietUntil = Math.max(quietUntil, reopening('create') + quietPeriodMs);
    },
    reopensAt: () => reopening('create'),
    quota({ limit, remaining }) {
      if (!(Number.isFinite(limit) && Number.isFinite(remaining) && limit > 0)) return;
      if (remaining <= Math.max(lowQuotaFloor, Math.ceil(limit * lowQuotaShare))) quietUntil = Math.max(quietUntil, now() + quietPeriodMs);
    },
  };
}
