import { describe, expect, it } from 'vitest';
import { callThroughGate } from '../../../functions/provision/gated-call';
import { createRateGate } from '../../../functions/provision/rate-gate';
import { FivetranFault } from '../../../shared/fivetran/fault';
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

  it("holds only creates back after Fivetran's creation cap answered 429: lookups go on", async () => {
    // Given a gate told of a 429 for the creation cap, asking to wait 3 s
    const time = fakeTime();
    const gate = createRateGate(time);
    gate.rateLimited(3, 'creates');
    const deadline = deadlineAt(60_000, time.now);
    // When a lookup and then a create ask to start
    (await gate.acquire('lookup', deadline))();
    const lookupWaited = [...time.sleeps];
    (await gate.acquire('create', deadline))();
    // Then the lookup starts at once, the create only after the wait, which is when the gate says it reopens
    expect(lookupWaited).toEqual([]);
    expect(time.sleeps).toEqual([3_000]);
    expect(gate.reopensAt()).toBe(3_000);
  });

  it("closes only creates when a create meets Fivetran's creation cap, and every call when the 429 says nothing of it", async () => {
    const time = fakeTime();
    const deadline = deadlineAt(60_000, time.now);
    const refusedWith = (message: string) => () =>
      Promise.reject(
        new FivetranFault('FIVETRAN_HTTP_ERROR', 'Fivetran answered 429', { status: 429, fivetranMessage: message, retryAfterSeconds: 3 }),
      );
    // Given one gate whose create met the creation cap's 429, another whose create met a 429 naming no cap
    const capped = createRateGate(time);
    await expect(
      callThroughGate('create', 1_000, refusedWith('No more than 100 connectors can be created hourly'), { gate: capped, deadline }),
    ).rejects.toThrow(FivetranFault);
    const throttled = createRateGate(time);
    await expect(callThroughGate('create', 1_000, refusedWith('Too many requests'), { gate: throttled, deadline })).rejects.toThrow(
      FivetranFault,
    );
    // When each lets a lookup start
    (await capped.acquire('lookup', deadline))();
    const afterCapped = [...time.sleeps];
    (await throttled.acquire('lookup', deadline))();
    // Then the first lets it through at once, the second only after the wait
    expect(afterCapped).toEqual([]);
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
