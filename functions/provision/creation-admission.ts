import type { CreationSlot, DeferralState } from '../../shared/contracts/deferral';
import { ProvisioningError } from '../../shared/runtime/errors';
import { type Deadline, deadlineAt } from '../../shared/runtime/retry';
import type { DeferralSpread } from './deferral-spread';
import { MIN_CALL_MS } from './gated-call';

/** What a create does before each try while Fivetran's creation budget is shared, and the slot it used. */
export interface CreationAdmission {
  /** Waits for the create's slot, or throws FIVETRAN_RATE_LIMITED with `reservedSlot` when it is not in this invocation. */
  admit(): Promise<void>;
  /** The slot the last try went with, once admitted. */
  admitted(): CreationSlot | undefined;
}

/**
 * What a create does before its call while Fivetran's creation budget is
 * shared (shared-spread.ts): it takes a slot in the window open now, or in the
 * first window with room, and goes when the slot may be used. Without it every
 * container learns that a window is spent from a 429 of its own, once per
 * window; with it only the windows' cap of creates reach Fivetran, from all
 * containers together.
 *
 * A request that arrived holding a slot (its deferral reserved one) offers it
 * for its first try, and each later try the slot the one before went with. `admit` sleeps when the slot may be used within the
 * invocation, and throws FIVETRAN_RATE_LIMITED with `reservedSlot` when it may
 * not, so that the deferral sends the request back for it, slot and all.
 */
export function creationAdmission(
  spread: DeferralSpread | undefined,
  deferral: DeferralState | undefined,
  clock: { now(): number; sleep(ms: number): Promise<void> },
  deadline: Deadline,
): CreationAdmission | undefined {
  const admitOne = spread?.admit?.bind(spread);
  if (admitOne === undefined) return undefined;
  let held = deferral?.slot;
  let admitted: CreationSlot | undefined;
  return {
    admitted: () => admitted,
    async admit() {
      const now = clock.now();
      // A request takes one slot: a try after a failed one (a 429 all the same, a 5xx, a lost answer) offers the slot it had.
      const offered = held ?? admitted;
      // The shared budget spares 429s; it must not cost the create its invocation when the ledger is slow or hangs.
      const taken = await admitOne(now, {
        deadline: budgetLedgerDeadline(deadline, clock.now),
        ...(offered === undefined ? {} : { held: offered }),
      });
      held = undefined;
      admitted = taken?.slot;
      if (taken === undefined || taken.at <= now) return;
      const waitMs = taken.at - now;
      if (waitMs + MIN_CALL_MS <= deadline.remainingMs()) {
        await clock.sleep(waitMs);
        return;
      }
      admitted = undefined;
      throw new ProvisioningError(
        'FIVETRAN_RATE_LIMITED',
        "Fivetran's creation budget is taken until a later window; the request waits for its slot on the queue",
        { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), reservedSlot: { ...taken.slot, at: taken.at } },
      );
    },
  };
}

/** The longest the ledger's calls for one admission, or one creation's note, may take; past it the create goes unasked, as without a ledger. */
export const LEDGER_BUDGET_MS = 1_000;

/** `deadline`, or LEDGER_BUDGET_MS from now when that is sooner: the shared budget's calls are worth that much of an invocation. */
export function budgetLedgerDeadline(deadline: Deadline, now: () => number): Deadline {
  return deadlineAt(now() + Math.min(LEDGER_BUDGET_MS, deadline.remainingMs()), now);
}
