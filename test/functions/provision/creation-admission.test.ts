import { describe, expect, it } from 'vitest';
import { creationAdmission } from '../../../functions/provision/creation-admission';
import type { DeferralSpread } from '../../../functions/provision/deferral-spread';
import type { DeferralState } from '../../../shared/contracts/deferral';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { deadlineAt } from '../../../shared/runtime/retry';

const NOW = 1_000_000;

/** A budget that answers each admission with the next of `answers`, and remembers what it was asked. */
function budget(answers: Array<number | undefined>) {
  const asked: Array<{ at: number; held?: number }> = [];
  const spread: DeferralSpread = {
    created: () => undefined,
    slot: (earliest) => earliest,
    admit: async (at, { held }) => {
      asked.push({ at, ...(held === undefined ? {} : { held }) });
      return answers.shift();
    },
  };
  return { spread, asked };
}

function clock() {
  const slept: number[] = [];
  return { now: () => NOW, sleep: async (ms: number) => void slept.push(ms), slept };
}

const invocationLeft = (ms: number) => deadlineAt(NOW + ms, () => NOW);
const deferral = (notBefore: number, slotHeld: boolean): DeferralState => ({
  originalMessageId: 'm-1',
  notBefore,
  waitingSince: NOW - 60_000,
  hops: 1,
  deliveries: 1,
  ...(slotHeld ? { slotHeld: true } : {}),
});

describe('creationAdmission', () => {
  it('is absent without a shared budget: creates go as before', () => {
    expect(creationAdmission(undefined, undefined, clock(), invocationLeft(10_000))).toBeUndefined();
    expect(creationAdmission({ created: () => undefined, slot: (at) => at }, undefined, clock(), invocationLeft(10_000))).toBeUndefined();
  });

  it('lets the create go at once when its slot is in the open window, or the budget is not managed', async () => {
    const { spread } = budget([NOW, undefined]);
    const time = clock();
    const admit = creationAdmission(spread, undefined, time, invocationLeft(10_000));
    await admit?.();
    await admit?.();
    expect(time.slept).toEqual([]);
  });

  it("sleeps until its slot's window opens when that leaves time for the call", async () => {
    const { spread } = budget([NOW + 3_000]);
    const time = clock();
    await creationAdmission(spread, undefined, time, invocationLeft(10_000))?.();
    expect(time.slept).toEqual([3_000]);
  });

  it('hands the request to its deferral, slot and all, when the window opens after the invocation', async () => {
    const { spread } = budget([NOW + 20_500]);
    const time = clock();
    const error = await creationAdmission(spread, undefined, time, invocationLeft(10_000))?.().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect(error).toMatchObject({ code: 'FIVETRAN_RATE_LIMITED', retryable: true, retryAfterSeconds: 21, slotReservedAt: NOW + 20_500 });
    expect(time.slept).toEqual([]);
  });

  it('offers a held slot for the first try only, and only when the deferral reserved one', async () => {
    const held = budget([NOW, NOW]);
    const admitHeld = creationAdmission(held.spread, deferral(NOW - 10, true), clock(), invocationLeft(10_000));
    await admitHeld?.();
    await admitHeld?.();
    expect(held.asked).toEqual([{ at: NOW, held: NOW - 10 }, { at: NOW }]);

    const unreserved = budget([NOW]);
    await creationAdmission(unreserved.spread, deferral(NOW - 10, false), clock(), invocationLeft(10_000))?.();
    expect(unreserved.asked).toEqual([{ at: NOW }]);
  });
});
