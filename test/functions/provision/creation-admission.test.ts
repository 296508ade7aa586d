import { describe, expect, it } from 'vitest';
import { creationAdmission, LEDGER_BUDGET_MS } from '../../../functions/provision/creation-admission';
import type { DeferralSpread } from '../../../functions/provision/deferral-spread';
import type { CreationSlot, DeferralState } from '../../../shared/contracts/deferral';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { deadlineAt } from '../../../shared/runtime/retry';

const NOW = 1_000_000;
const SLOT: CreationSlot = { opensAt: NOW - 500, index: 3 };

/** A budget that answers each admission with the next of `answers` (a time to go at, or not managed), and remembers what it was asked. */
function budget(answers: Array<number | undefined>) {
  const asked: Array<{ at: number; held?: CreationSlot }> = [];
  const spread: DeferralSpread = {
    created: () => undefined,
    slot: (earliest) => earliest,
    admit: async (at, { held }) => {
      asked.push({ at, ...(held === undefined ? {} : { held }) });
      const goAt = answers.shift();
      return goAt === undefined ? undefined : { at: goAt, slot: SLOT };
    },
  };
  return { spread, asked };
}

function clock() {
  const slept: number[] = [];
  return { now: () => NOW, sleep: async (ms: number) => void slept.push(ms), slept };
}

const invocationLeft = (ms: number) => deadlineAt(NOW + ms, () => NOW);
const deferral = (slot: CreationSlot | undefined): DeferralState => ({
  originalMessageId: 'm-1',
  notBefore: NOW - 10,
  waitingSince: NOW - 60_000,
  hops: 1,
  deliveries: 1,
  ...(slot ? { slot } : {}),
});

describe('creationAdmission', () => {
  it('is absent without a shared budget: creates go as before', () => {
    expect(creationAdmission(undefined, undefined, clock(), invocationLeft(10_000))).toBeUndefined();
    expect(creationAdmission({ created: () => undefined, slot: (at) => at }, undefined, clock(), invocationLeft(10_000))).toBeUndefined();
  });

  it('lets the create go at once when its slot may be used now, and names the slot it went with', async () => {
    const { spread } = budget([NOW]);
    const time = clock();
    const admission = creationAdmission(spread, undefined, time, invocationLeft(10_000));
    await admission?.admit();
    expect(time.slept).toEqual([]);
    expect(admission?.admitted()).toEqual(SLOT);
  });

  it('lets the create go unasked, with no slot, when the budget is not managed', async () => {
    const { spread } = budget([undefined]);
    const time = clock();
    const admission = creationAdmission(spread, undefined, time, invocationLeft(10_000));
    await admission?.admit();
    expect(time.slept).toEqual([]);
    expect(admission?.admitted()).toBeUndefined();
  });

  it('sleeps until its slot may be used when that leaves time for the call', async () => {
    const { spread } = budget([NOW + 3_000]);
    const time = clock();
    await creationAdmission(spread, undefined, time, invocationLeft(10_000))?.admit();
    expect(time.slept).toEqual([3_000]);
  });

  it('hands the request to its deferral, slot and all, when the slot may be used only after the invocation', async () => {
    const { spread } = budget([NOW + 20_500]);
    const time = clock();
    const admission = creationAdmission(spread, undefined, time, invocationLeft(10_000));
    const error = await admission?.admit().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect(error).toMatchObject({
      code: 'FIVETRAN_RATE_LIMITED',
      retryable: true,
      retryAfterSeconds: 21,
      reservedSlot: { ...SLOT, at: NOW + 20_500 },
    });
    expect(time.slept).toEqual([]);
    expect(admission?.admitted()).toBeUndefined();
  });

  it('gives the ledger at most LEDGER_BUDGET_MS of the invocation, so a slow ledger cannot cost the create its time', async () => {
    let granted: number | undefined;
    const spread: DeferralSpread = {
      created: () => undefined,
      slot: (earliest) => earliest,
      admit: async (_at, context) => {
        granted = context.deadline.remainingMs();
        return undefined;
      },
    };
    await creationAdmission(spread, undefined, clock(), invocationLeft(60_000))?.admit();
    expect(granted).toBe(LEDGER_BUDGET_MS);
    await creationAdmission(spread, undefined, clock(), invocationLeft(400))?.admit();
    expect(granted).toBe(400);
  });

  it('offers a held slot for the first try, and each later try the slot the one before went with: a request takes one slot', async () => {
    const held = budget([NOW, NOW]);
    const admission = creationAdmission(held.spread, deferral({ opensAt: NOW - 500, index: 9 }), clock(), invocationLeft(10_000));
    await admission?.admit();
    await admission?.admit();
    expect(held.asked).toEqual([
      { at: NOW, held: { opensAt: NOW - 500, index: 9 } },
      { at: NOW, held: SLOT },
    ]);

    const none = budget([NOW]);
    await creationAdmission(none.spread, deferral(undefined), clock(), invocationLeft(10_000))?.admit();
    expect(none.asked).toEqual([{ at: NOW }]);
  });
});
