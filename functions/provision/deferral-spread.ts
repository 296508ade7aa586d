import type { CreationSlot } from '../../shared/contracts/deferral';
import type { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';

/**
 * How a container spreads the requests it defers over Fivetran's windows, so
 * that about one window's worth comes back when a window opens and the rest
 * waits on the queue for later ones, instead of the whole backlog returning
 * at each opening to be refused and sent back again.
 *
 * It learns from what it sees, since Fivetran does not say how large a window
 * is (its headers give only the account's hourly quota, not the creation or
 * setup-test limits): the window is the longest wait Fivetran asked for (a
 * 429 right after a window's burst asks for about the whole window), and the
 * container's share of it is the most it created in one of the last few
 * windows (one window alone can be low: the container met the closed budget
 * before it created anything, and a share too low pushes its requests many
 * windows out while others go unused). It plans a quarter more than that
 * share, plus one, so that the containers together keep asking for a little
 * more than the budget: a window's last requests meet a closed gate and move
 * on, no window goes unused.
 */
export interface DeferralSpread {
  /**
   * A connection was created: the budget had room for it. `slot`: the slot of
   * a shared budget it used, noted with the time (by `deadline`) so the same
   * slot of the next window waits for it to age out.
   */
  created(slot?: CreationSlot, deadline?: Deadline): void | Promise<void>;
  /**
   * When a request that may not call Fivetran before `earliest` should come
   * back: at `earliest` while this window's share has room, otherwise at the
   * opening of a later window.
   */
  slot(earliest: number, now: number, context?: SlotContext): number | Promise<number>;
  /** The same time as `slot`, and the slot of a shared budget reserved for the request then, if one was. */
  reserve?(earliest: number, now: number, context: SlotContext): Promise<{ at: number; slot?: CreationSlot }>;
  /**
   * Before a create, once the budget is shared and its cap known: the slot it
   * uses (`held`, when a deferral reserved one in the window open now; else a
   * new one in the window open now, or in the first later one with room) and
   * when it may go: the slot's window open, and the slot of the same number in
   * the window before aged out of Fivetran's rolling window. Undefined when the
   * budget is not managed (no cap known, the ledger failed): the create goes
   * ahead, and Fivetran's 429 says when it may not.
   */
  admit?(now: number, context: { deadline: Deadline; held?: CreationSlot }): Promise<{ at: number; slot: CreationSlot } | undefined>;
}

/** What a slot's caller knows besides the time: the deadline of any call it makes, and the Fivetran answer that closed the budget. */
export interface SlotContext {
  deadline: Deadline;
  fault?: ProvisioningError;
  /** The slot the request holds already (DeferralState.slot): a wait within its window keeps it. */
  held?: CreationSlot;
}

/** A wait shorter than this share of the window is a slot freeing in a rolling window, not a new window. */
export const SAME_WINDOW_SHARE = 0.5;
const GROWTH = 1.25;
/**
 * The furthest window a request is sent to. The containers' queues drain
 * unevenly (each knows only its own), and one sending its requests many
 * windows out leaves windows unused at the end while it still waits; beyond
 * this they crowd the last window and, refused, come back to the next ones.
 */
const MAX_WINDOWS_AHEAD = 2;
/** Windows whose creations make the share. */
const SHARE_MEMORY = 3;
/** No estimate of a window beyond Fivetran's longest documented wait. */
export const MAX_WINDOW_MS = 3_600_000;

/** The container's own spread answers at once: it asks nobody. */
export interface LocalDeferralSpread extends DeferralSpread {
  slot(earliest: number, now: number, context?: SlotContext): number;
}

export function createDeferralSpread(): LocalDeferralSpread {
  let windowMs = 0;
  let opening = Number.NEGATIVE_INFINITY;
  let createdSinceOpening = 0;
  const recentShares: number[] = [];
  /** Requests this container deferred to the current opening and later ones, earliest first. */
  let queued = 0;
  let share = Number.POSITIVE_INFINITY;

  return {
    created() {
      createdSinceOpening += 1;
    },
    slot(earliest, now) {
      const waitMs = earliest - now;
      windowMs = Math.min(MAX_WINDOW_MS, Math.max(windowMs, waitMs));
      if (waitMs < windowMs * SAME_WINDOW_SHARE) return earliest;
      if (earliest > opening + windowMs * SAME_WINDOW_SHARE) {
        // A new window: the one that closed took its share of what was queued.
        const windowsPassed = Number.isFinite(opening) ? Math.max(1, Math.round((earliest - opening) / windowMs)) : 0;
        queued = Number.isFinite(share) ? Math.max(0, queued - windowsPassed * share) : 0;
        recentShares.push(createdSinceOpening);
        if (recentShares.length > SHARE_MEMORY) recentShares.shift();
        const observed = Math.max(...recentShares);
        // Nothing created lately says nothing of the share: no spreading until something is.
        share = observed > 0 ? Math.ceil(observed * GROWTH) + 1 : Number.POSITIVE_INFINITY;
        createdSinceOpening = 0;
        opening = earliest;
      }
      const window = Number.isFinite(share) ? Math.min(MAX_WINDOWS_AHEAD, Math.floor(queued / share)) : 0;
      queued += 1;
      return Math.max(earliest, opening + window * windowMs);
    },
  };
}
