import { describe, expect, it } from 'vitest';
import { createRateGate } from '../../../functions/provision/rate-gate';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { deadlineAt } from '../../../shared/runtime/retry';

/** A clock that moves only when the gate sleeps. */
function fakeTime() {
  let clock = 0;
  const sleeps: number[] = [];
  return {
    now: () => clock,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
    sleeps,
    advance: (ms: number) => (clock += ms),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('rate gate', () => {
  it('lets calls through at once while Fivetran has not rate-limited', async () => {
    const time = fakeTime();
    const gate = createRateGate(time);
    const deadline = deadlineAt(60_000, time.now);
    const releases = await Promise.all([
      gate.acquire('create', deadline),
      gate.acquire('create', deadline),
      gate.acquire('lookup', deadline),
    ]);
    for (const release of releases) release();
    expect(time.sleeps).toEqual([]);
  });

  it('holds every call back until the Retry-After has passed', async () => {
    const time = fakeTime();
    const gate = createRateGate(time);
    gate.rateLimited(3);
    const release = await gate.acquire('lookup', deadlineAt(60_000, time.now));
    release();
    expect(time.sleeps).toEqual([3_000]);
  });

  it('after a 429, lets creates through one at a time', async () => {
    const time = fakeTime();
    const gate = createRateGate(time);
    const deadline = deadlineAt(60_000, time.now);
    gate.rateLimited(0);
    const first = await gate.acquire('create', deadline);
    let secondStarted = false;
    const second = gate.acquire('create', deadline).then((release) => {
      secondStarted = true;
      return release;
    });
    await tick();
    expect(secondStarted).toBe(false);
    // lookups are not serialized
    (await gate.acquire('lookup', deadline))();
    first();
    (await second)();
    expect(secondStarted).toBe(true);
  });

  it('returns to full concurrency once the limit has been quiet for the quiet period', async () => {
    const time = fakeTime();
    const gate = createRateGate({ ...time, quietPeriodMs: 10_000 });
    gate.rateLimited(0);
    time.advance(10_000);
    const deadline = deadlineAt(60_000, time.now);
    const [a, b] = await Promise.all([gate.acquire('create', deadline), gate.acquire('create', deadline)]);
    a();
    b();
  });

  it('refuses, with the wait as Retry-After, when the wait does not fit before the deadline', async () => {
    const time = fakeTime();
    const gate = createRateGate(time);
    gate.rateLimited(3_600);
    const error = await gate.acquire('create', deadlineAt(30_000, time.now)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect(error).toMatchObject({ code: 'FIVETRAN_RATE_LIMITED', retryAfterSeconds: 3_600 });
    expect(time.sleeps).toEqual([]);
  });

  it('closes for at most an hour, whatever Retry-After says, and then lets a call probe', async () => {
    // given a 429 whose Retry-After is 999,999,999 seconds (about 32 years)
    const time = fakeTime();
    const gate = createRateGate(time);
    gate.rateLimited(999_999_999);
    // when a call comes with a deadline two hours away
    const release = await gate.acquire('lookup', deadlineAt(2 * 3_600_000, time.now));
    release();
    // then it waited an hour, not the years it was asked to
    expect(time.sleeps).toEqual([3_600_000]);
  });
});
