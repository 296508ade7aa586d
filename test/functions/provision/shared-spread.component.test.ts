import { beforeEach, describe, expect, it } from 'vitest';
import { createDeferralSpread } from '../../../functions/provision/deferral-spread';
import { capNamedBy, createSharedSpread } from '../../../functions/provision/shared-spread';
import type { CreationSlot } from '../../../shared/contracts/deferral';
import { type BudgetSchedule, createDynamoDbBudgetSchedule } from '../../../shared/ledger/budget-schedule';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { deadlineAt } from '../../../shared/runtime/retry';
import { useLedgerTables } from '../../support/ledger-tables';

const NOW = 1_000_000;
const WINDOW_MS = 20_000;
/** The grid's windows: Fivetran's, plus 3 % for the way from a window's opening to its first creation. */
const PERIOD_MS = 20_600;
const ACCOUNT = 'fivetran/api-key';

const ledgers = useLedgerTables('budget');
let schedule: BudgetSchedule;

beforeEach(async () => {
  const tableName = await ledgers.freshTable();
  schedule = createDynamoDbBudgetSchedule({ client: ledgers.local.client, tableName });
});

/** Fivetran's 429 for its creation cap, wording as recorded (terraform-provider-fivetran #80), with `cap` in it. */
const refusal = (cap: number) =>
  new ProvisioningError('FIVETRAN_RATE_LIMITED', 'Fivetran answered 429; will retry', {
    fivetran: { status: 429, code: 'TooManyRequests', message: `No more than ${cap} connectors can be created in one-minute time period` },
  });
const context = (fault?: ProvisioningError) => ({ deadline: deadlineAt(Date.now() + 5_000, Date.now), ...(fault ? { fault } : {}) });
const container = (budget: BudgetSchedule = schedule) => createSharedSpread(createDeferralSpread(), budget, ACCOUNT, () => NOW);
const perWindow = (slots: number[]) => {
  const counts = new Map<number, number>();
  for (const slot of slots) counts.set(slot, (counts.get(slot) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a - b);
};

describe('the creation budget shared through the ledger', () => {
  it('gives each window its cap from all containers together, in the order they ask', async () => {
    // Given two containers of one account, and a 429 that names a cap of 3 per window
    const [first, second] = [container(), container()];
    // When they defer eight requests between them, all for the next window
    const slots: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const spread = i % 2 === 0 ? first : second;
      slots.push(await spread.slot(NOW + WINDOW_MS, NOW, context(refusal(3))));
    }
    // Then three come back when it opens, three a window later and two the window after, at whole milliseconds (SQS attributes carry integers)
    expect(slots.every(Number.isSafeInteger)).toBe(true);
    expect(perWindow(slots)).toEqual([
      [NOW + WINDOW_MS, 3],
      [NOW + WINDOW_MS + PERIOD_MS, 3],
      [NOW + WINDOW_MS + 2 * PERIOD_MS, 2],
    ]);
  });

  it('learns the cap from another container: one that met only its own closed gate still spreads by it', async () => {
    // Given a container that deferred one request after Fivetran named a cap of 2
    await container().slot(NOW + WINDOW_MS, NOW, context(refusal(2)));
    // When another container defers four requests with no Fivetran answer of its own
    const other = container();
    const slots = [];
    for (let i = 0; i < 4; i += 1) slots.push(await other.slot(NOW + WINDOW_MS, NOW, context()));
    // Then they fill the first window's last slot and the next windows two by two
    expect(perWindow(slots)).toEqual([
      [NOW + WINDOW_MS, 1],
      [NOW + WINDOW_MS + PERIOD_MS, 2],
      [NOW + WINDOW_MS + 2 * PERIOD_MS, 1],
    ]);
  });

  it('gives whole milliseconds whatever the window learnt, since SQS attributes carry only integers back', async () => {
    // Given a window of 19,999 ms (its grid 3 % longer: a fraction of a millisecond) and a cap of 1
    const spread = container();
    // When a container defers three requests
    const slots = [];
    for (let i = 0; i < 3; i += 1) slots.push(await spread.slot(NOW + 19_999, NOW, context(refusal(1))));
    // Then each comes back at a whole millisecond, one window apart
    expect(slots).toEqual([NOW + 19_999, NOW + 19_999 + 20_599, NOW + 19_999 + 2 * 20_599]);
  });

  it('takes no slot for a short wait: a rolling window freeing a slot, not a new window', async () => {
    // Given a container that knows the window is 20 s and the cap 1, and has taken the next window's slot
    const spread = container();
    expect(await spread.slot(NOW + WINDOW_MS, NOW, context(refusal(1)))).toBe(NOW + WINDOW_MS);
    // When a request is asked to wait 1 s
    const slot = await spread.slot(NOW + 1_000, NOW, context(refusal(1)));
    // Then it comes back after that second, without taking the window's slot from anyone
    expect(slot).toBe(NOW + 1_000);
  });

  it("falls back to the container's own spread when the ledger does not answer", async () => {
    // Given a ledger that fails every call
    const broken: BudgetSchedule = {
      grid: () => Promise.reject(new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger did not answer; will retry')),
      reserve: () => Promise.reject(new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger did not answer; will retry')),
      noteCreation: () => Promise.reject(new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger did not answer; will retry')),
      creations: () => Promise.reject(new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger did not answer; will retry')),
    };
    // When a container defers three requests
    const spread = container(broken);
    const slots = [];
    for (let i = 0; i < 3; i += 1) slots.push(await spread.slot(NOW + WINDOW_MS, NOW, context(refusal(1))));
    // Then they come back as its own spread says (at the opening: it has created nothing yet), none lost to an error
    expect(slots).toEqual([NOW + WINDOW_MS, NOW + WINDOW_MS, NOW + WINDOW_MS]);
  });

  it("falls back to the container's own spread when the stored grid opens its windows far ahead (a hand edit)", async () => {
    // Given a grid whose first window opens a day from now
    await schedule.grid(ACCOUNT, { anchor: NOW + 86_400_000, windowMs: WINDOW_MS, cap: 5 });
    // When a container defers a request for the next window
    const slot = await container().slot(NOW + WINDOW_MS, NOW, context(refusal(5)));
    // Then it comes back at that window's opening, not a day later
    expect(slot).toBe(NOW + WINDOW_MS);
  });

  it("falls back to the container's own spread while nobody knows the cap", async () => {
    // Given no 429 that named a cap
    const spread = container();
    // When three requests are deferred
    const slots = [];
    for (let i = 0; i < 3; i += 1) slots.push(await spread.slot(NOW + WINDOW_MS, NOW, context()));
    // Then no window is reserved: all come back at the opening
    expect(slots).toEqual([NOW + WINDOW_MS, NOW + WINDOW_MS, NOW + WINDOW_MS]);
    expect(await schedule.reserve(ACCOUNT, NOW + WINDOW_MS, 1)).toBe(1);
  });
});

describe("a create's slot in the shared budget (admit)", () => {
  const deadline = () => deadlineAt(Date.now() + 5_000, Date.now);
  const admitAt = async (spread: ReturnType<typeof container>, at: number, held?: CreationSlot) =>
    (await spread.admit?.(at, { deadline: deadline(), ...(held === undefined ? {} : { held }) }))?.at;
  /** A container that deferred one request into the next window after a 429 naming `cap`: the slot it reserved there. */
  const deferOne = async (spread: ReturnType<typeof container>, cap: number) => {
    const reserved = await spread.reserve?.(NOW + WINDOW_MS, NOW, context(refusal(cap)));
    expect(reserved?.slot).toEqual({ opensAt: NOW + WINDOW_MS, index: 1 });
    return reserved?.slot as CreationSlot;
  };

  it('lets creates go unasked until the container has met the cap: the first 429 is the signal', async () => {
    // Given a container that has met no 429
    const spread = container();
    // When a create asks for a slot
    // Then it is not managed, and it took nothing from the ledger's window
    expect(await admitAt(spread, NOW)).toBeUndefined();
    expect(await schedule.reserve(ACCOUNT, NOW, 1)).toBe(1);
  });

  it('once the cap is known, gives each create a slot of the open window, then of the next one with room', async () => {
    // Given a cap of 3 and one request deferred into the next window
    const spread = container();
    await deferOne(spread, 3);
    // When three fresh creates ask for slots while that window is open
    const opening = NOW + WINDOW_MS + 10;
    const admitted = [await admitAt(spread, opening), await admitAt(spread, opening), await admitAt(spread, opening)];
    // Then two go now (the deferred request holds the third slot) and the third waits for the window after
    expect(admitted).toEqual([opening, opening, NOW + WINDOW_MS + PERIOD_MS]);
  });

  it('takes no second slot for a request that holds one in the open window, and a new one when its window has passed', async () => {
    // Given a cap of 1 and a request holding the next window's one slot
    const spread = container();
    const held = await deferOne(spread, 1);
    // When it arrives in that window, it creates at once without a reservation
    expect(await admitAt(spread, held.opensAt + 5, held)).toBe(held.opensAt + 5);
    // And a fresh create in the same window finds it full
    expect(await admitAt(spread, held.opensAt + 6)).toBe(held.opensAt + PERIOD_MS);
    // When a request holding that slot arrives a whole window late, its old slot counts for nothing: it takes the next free one
    expect(await admitAt(spread, held.opensAt + PERIOD_MS + 5, held)).toBe(held.opensAt + 2 * PERIOD_MS);
  });

  it("waits, slot by slot, for the creation of the same number in the window before to age out of Fivetran's rolling window", async () => {
    // Given a cap of 2, and the window's two slots used 1 s and 4 s after its opening, noted as they were answered
    const spread = container();
    const first = await deferOne(spread, 2);
    expect(await admitAt(spread, first.opensAt + 10)).toBe(first.opensAt + 10);
    await schedule.noteCreation(ACCOUNT, first.opensAt, first.opensAt + 4_000);
    await schedule.noteCreation(ACCOUNT, first.opensAt, first.opensAt + 1_000);
    // When two creates ask for slots as soon as the next window opens
    const next = first.opensAt + PERIOD_MS;
    const goAt = [await admitAt(spread, next), await admitAt(spread, next)];
    // Then each goes one of Fivetran's windows (20 s: the grid's period less its margin) after the creation of its number
    expect(goAt).toEqual([first.opensAt + 1_000 + WINDOW_MS, first.opensAt + 4_000 + WINDOW_MS]);
  });

  it('paces at whole milliseconds whatever the grid, since the time travels as an SQS Number attribute', async () => {
    // Given a grid of 20,599 ms windows (Fivetran's window in it a fraction of a millisecond) and a cap of 1
    const spread = container();
    expect((await spread.reserve?.(NOW + 19_999, NOW, context(refusal(1))))?.slot).toBeDefined();
    await schedule.noteCreation(ACCOUNT, NOW + 19_999, NOW + 21_000);
    // When a create asks for the next window's slot as it opens
    const goAt = await admitAt(spread, NOW + 19_999 + 20_599);
    // Then it goes one window after the noted creation, at a whole millisecond
    expect(Number.isSafeInteger(goAt)).toBe(true);
    expect(goAt).toBe(Math.round(NOW + 21_000 + 20_599 - (20_599 * 0.03) / 1.03));
  });

  it('holds nobody back for a creation noted in the future (a clock or a hand edit)', async () => {
    const spread = container();
    const first = await deferOne(spread, 1);
    await schedule.noteCreation(ACCOUNT, first.opensAt, NOW + 86_400_000);
    // When a create asks for a slot of the next window, Then it goes at the window's opening
    const next = first.opensAt + PERIOD_MS;
    expect(await admitAt(spread, next)).toBe(next);
  });

  it('notes when a create that used a slot was answered, in its window', async () => {
    const spread = container();
    const slot = await deferOne(spread, 2);
    await spread.created(slot, deadline());
    expect(await schedule.creations(ACCOUNT, slot.opensAt)).toEqual([NOW]);
    // A create that used no slot notes nothing
    await spread.created(undefined, deadline());
    expect(await schedule.creations(ACCOUNT, slot.opensAt)).toEqual([NOW]);
  });

  it('lets the create go unasked when the ledger stops answering, rather than holding it back', async () => {
    // Given a container that learnt the cap on a ledger that then fails every call
    let failing = false;
    const down = () => Promise.reject(new Error('down'));
    const flaky: BudgetSchedule = {
      grid: (...args) => (failing ? down() : schedule.grid(...args)),
      reserve: (...args) => (failing ? down() : schedule.reserve(...args)),
      noteCreation: (...args) => (failing ? down() : schedule.noteCreation(...args)),
      creations: (...args) => (failing ? down() : schedule.creations(...args)),
    };
    const spread = container(flaky);
    await spread.slot(NOW + WINDOW_MS, NOW, context(refusal(1)));
    failing = true;
    // When a create asks for a slot, Then it is not managed: Fivetran's own 429 decides; and its note is let go
    expect(await admitAt(spread, NOW + WINDOW_MS + 5)).toBeUndefined();
    await expect(spread.created({ opensAt: NOW + WINDOW_MS, index: 1 }, deadline())).resolves.toBeUndefined();
  });

  it("keeps a request's slot when its own container holds it back within the slot's window, and takes no other", async () => {
    // Given a cap of 1 and a request holding the next window's one slot
    const spread = container();
    const held = await deferOne(spread, 1);
    // When its container's gate, closed a little longer than the grid, sends it back 3 s into that window
    const kept = await spread.reserve?.(held.opensAt + 3_000, held.opensAt, { ...context(refusal(1)), held });
    // Then it still holds that slot, and the window has no room for anyone else
    expect(kept).toEqual({ at: held.opensAt + 3_000, slot: held });
    expect(await admitAt(spread, held.opensAt + 3_100)).toBe(held.opensAt + PERIOD_MS);
  });

  it('reserves nothing for a short wait within a window', async () => {
    const spread = container();
    await deferOne(spread, 1);
    expect(await spread.reserve?.(NOW + 1_000, NOW, context(refusal(1)))).toEqual({ at: NOW + 1_000 });
  });
});

describe('capNamedBy', () => {
  it("reads the cap from Fivetran's recorded 429 wordings, and nothing from any other message", () => {
    expect(capNamedBy('No more than 20 connectors can be created in one-minute time period')).toBe(20);
    expect(capNamedBy('No more than 100 connectors can be created hourly')).toBe(100);
    expect(capNamedBy('Too many requests')).toBeUndefined();
    expect(capNamedBy('No more than 0 connectors can be created hourly')).toBeUndefined();
    expect(capNamedBy(undefined)).toBeUndefined();
  });
});
