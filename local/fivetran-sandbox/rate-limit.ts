/**
 * Fivetran's connection-creation limit (documented as 20/minute per account), as a rolling
 * window over successful creations.
 */
import { SandboxConfigError } from './errors';

export class RollingWindowLimiter {
  private events: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new SandboxConfigError(`rate limit must be an integer >= 1, got ${limit}`);
    if (!(windowMs > 0)) throw new SandboxConfigError(`rate-limit window must be > 0 ms, got ${windowMs}`);
  }

  /** Seconds until a slot frees (ceil, at least 1), or 0 when one is free now. */
  retryAfterSeconds(): number {
    const now = this.now();
    this.events = this.events.filter((at) => at > now - this.windowMs);
    if (this.events.length < this.limit) return 0;
    const freesNext = this.events[this.events.length - this.limit] as number;
    return Math.max(1, Math.ceil((freesNext + this.windowMs - now) / 1000));
  }

  record(): void {
    this.events.push(this.now());
  }

  reset(): void {
    this.events = [];
  }
}
