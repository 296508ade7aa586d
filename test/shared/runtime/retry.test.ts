import { describe, expect, it } from 'vitest';
import { backoffDelayMs, deadlineAt, nextDelayMs, parseRetryAfter } from '../../../shared/runtime/retry';

const options = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoff with full jitter', () => {
  it('doubles the ceiling per retry and caps it', () => {
    // given the dice at their highest, the delay is the ceiling itself (minus rounding)
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, options, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('spreads delays across the whole range, down to zero', () => {
    expect(backoffDelayMs(4, options, () => 0)).toBe(0);
    expect(backoffDelayMs(4, options, () => 0.5)).toBe(400);
  });

  it('never waits less than the Retry-After asked for', () => {
    expect(nextDelayMs(1, 3, options, () => 0.5)).toBe(3_000);
    expect(nextDelayMs(5, 0, options, () => 0.5)).toBe(500);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads whole seconds', () => {
    expect(parseRetryAfter('3600', now)).toBe(3600);
    expect(parseRetryAfter(' 2 ', now)).toBe(2);
  });

  it('reads an HTTP date as the seconds until then', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });

  it('reads no Retry-After as longer than SQS can hide a message (12 hours)', () => {
    expect(parseRetryAfter('999999999', now)).toBe(43_200);
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(43_200);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(43_200);
  });
});

describe('deadline', () => {
  it('counts down with the clock it is given', () => {
    let clock = 1_000;
    const deadline = deadlineAt(5_000, () => clock);
    expect(deadline.remainingMs()).toBe(4_000);
    clock = 6_000;
    expect(deadline.remainingMs()).toBe(-1_000);
  });
});
