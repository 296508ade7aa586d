/**
 * Fivetran's rate limits, as rolling windows: the connection-creation limit the sandbox has
 * long had (20 a minute in an older generation of Fivetran's documentation, counting successful
 * creations), the account's limits on every request, per minute and per hour (errors.ts [limits]), and the
 * account's limits on setup-test runs, counted the same way (errors.ts [setup-limits]).
 */
import { SandboxConfigError } from './errors';

export class RollingWindowLimiter {
  private events: number[] = [];

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new SandboxConfigError(`rate limit must be an integer >= 1, got ${limit}`);
    if (!(windowMs > 0)) throw new SandboxConfigError(`rate-limit window must be > 0 ms, got ${windowMs}`);
  }

  /** Seconds until a slot frees (ceil, at least 1), or 0 when one is free now. */
  retryAfterSeconds(): number {
    const now = this.now();
    this.prune(now);
    if (this.events.length < this.limit) return 0;
    const freesNext = this.events[this.events.length - this.limit] as number;
    return Math.max(1, Math.ceil((freesNext + this.windowMs - now) / 1000));
  }

  /** Slots left in the window now. */
  remaining(): number {
    this.prune(this.now());
    return Math.max(0, this.limit - this.events.length);
  }

  record(): void {
    this.events.push(this.now());
  }

  reset(): void {
    this.events = [];
  }

  private prune(now: number): void {
    this.events = this.events.filter((at) => at > now - this.windowMs);
  }
}

/** Fivetran's setup-test limits on paid plans, per account (errors.ts [setup-limits]). */
export const FIVETRAN_SETUP_TEST_LIMITS = { perMinute: 250, perHour: 2500 } as const;

export interface AccountRateLimitOptions {
  /** Requests of the account per rolling minute. Default: no limit. */
  perMinute?: number;
  /** Requests of the account per rolling hour; also what the X-Rate-Limit headers report. Default: no limit. */
  perHour?: number;
  /** Windows last (1 minute, 1 hour) ÷ this, so tests can meet the hourly limit in seconds. Default 1. */
  timeScale?: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number; limit: number; window: 'minute' | 'hour' };

/** Every request of the account counts against each window; a refused one does not (a guess: errors.ts). */
export class AccountRateLimits {
  private readonly windows: Array<{ window: 'minute' | 'hour'; limit: number; limiter: RollingWindowLimiter }> = [];

  constructor(options: AccountRateLimitOptions, now: () => number = Date.now) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0)) throw new SandboxConfigError(`rate-limit timeScale must be > 0, got ${scale}`);
    if (options.perMinute !== undefined) {
      this.windows.push({
        window: 'minute',
        limit: options.perMinute,
        limiter: new RollingWindowLimiter(options.perMinute, 60_000 / scale, now),
      });
    }
    if (options.perHour !== undefined) {
      this.windows.push({
        window: 'hour',
        limit: options.perHour,
        limiter: new RollingWindowLimiter(options.perHour, 3_600_000 / scale, now),
      });
    }
  }

  /** Counts the request when every window has room; otherwise says which window is full and for how long. */
  admit(): Admission {
    let refusal: Admission = { admitted: true };
    for (const { window, limit, limiter } of this.windows) {
      const retryAfterSeconds = limiter.retryAfterSeconds();
      if (retryAfterSeconds > 0 && (refusal.admitted || retryAfterSeconds > refusal.retryAfterSeconds)) {
        refusal = { admitted: false, retryAfterSeconds, limit, window };
      }
    }
    if (refusal.admitted) for (const { limiter } of this.windows) limiter.record();
    return refusal;
  }

  /** Fivetran's headers for the overall quota: the hourly limit and what is left of it (errors.ts [limits]). */
  headers(): Record<string, string> {
    const quota = this.windows.find(({ window }) => window === 'hour') ?? this.windows[0];
    if (quota === undefined) return {};
    return { 'X-Rate-Limit': String(quota.limit), 'X-Rate-Limit-Remaining': String(quota.limiter.remaining()) };
  }

  reset(): void {
    for (const { limiter } of this.windows) limiter.reset();
  }
}
