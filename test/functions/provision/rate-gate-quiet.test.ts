import { describe, expect, it } from 'vitest';
import { createRateGate, type RateGate } from '../../../functions/provision/rate-gate';
import { type Deadline, deadlineAt } from '../../../shared/runtime/retry';

/** A clock that moves only when told to, or when the gate sleeps. */
function fakeTime() {
  let clock = 0;
  return {
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    advance: (ms: number) => (clock += ms),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Whether a second create may start while a first is in flight. */
async function secondCreateWaits(gate: RateGate, deadline: Deadline): Promise<boolean> {
  const first = await gate.acquire('create', deadline);
  let started = false;
  const second = gate.acquire('create', deadline).then((release) => {
    started = true;
    return release;
  });
  await tick();
  const waited = !started;
  first();
  (await second)();
  return waited;
}

describe('rate gate: spending the budget without a stampede', () => {
  it('counts the quiet period from the end of the wait, not from the 429', async () => {
    // given a 429 asking to wait 30 s, and a quiet period of 10 s
    const time = fakeTime();
    const gate = createRateGate({ ...time, quietPeriodMs: 10_000 });
    gate.rateLimited(30);
    // when the wait is over and 5 s more have passed (35 s after the 429: longer than the quiet period)
    time.advance(35_000);
    // then creates still go one at a time
    expect(await secondCreateWaits(gate, deadlineAt(time.now() + 60_000, time.now))).toBe(true);
    // and only once the quiet period after the wait has passed do they run together again
    time.advance(5_001);
    expect(await secondCreateWaits(gate, deadlineAt(time.now() + 60_000, time.now))).toBe(false);
  });

  it('goes one create at a time when X-Rate-Limit-Remaining runs low, before Fivetran answers 429', async () => {
    const time = fakeTime();
    const gate = createRateGate({ ...time, quietPeriodMs: 10_000 });
    const deadline = () => deadlineAt(time.now() + 60_000, time.now);
    // given plenty of quota left, creates run together
    gate.quota({ limit: 20_000, remaining: 5_000 });
    expect(await secondCreateWaits(gate, deadline())).toBe(false);
    // when the remaining quota falls to 2 % of the limit
    gate.quota({ limit: 20_000, remaining: 400 });
    // then they go one at a time, without any wait
    expect(await secondCreateWaits(gate, deadline())).toBe(true);
    expect(time.now()).toBe(0);
  });

  it('ignores quota headers that are not numbers', async () => {
    const time = fakeTime();
    const gate = createRateGate({ ...time, quietPeriodMs: 10_000 });
    gate.quota({ limit: Number.NaN, remaining: 0 });
    gate.quota({ limit: 0, remaining: 0 });
    expect(await secondCreateWaits(gate, deadlineAt(60_000, time.now))).toBe(false);
  });
});
