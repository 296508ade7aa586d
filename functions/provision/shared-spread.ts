import type { CreationSlot } from '../../shared/contracts/deferral';
import type { BudgetGrid, BudgetSchedule } from '../../shared/ledger/budget-schedule';
import type { Deadline } from '../../shared/runtime/retry';
import { type DeferralSpread, MAX_WINDOW_MS, SAME_WINDOW_SHARE, type SlotContext } from './deferral-spread';

/**
 * Fivetran's creation budget shared by every container through the ledger
 * (budget-schedule.ts): a deferred request reserves a slot in the first
 * window with room and comes back when that window opens, so each window
 * gets about its cap from all containers together, nobody's overflow piles
 * into the nearest windows, and the window's first request is its one probe.
 *
 * The window reaches from the first creation of the container's last burst
 * to the end of the wait Fivetran asked for after it (at least the longest
 * wait it asked for), and the cap is the number Fivetran's 429 names ("No more
 * than 100 connectors can be created hourly"); the grid of windows is the
 * first container's. Until a cap is known, when the ledger fails or is slow,
 * or when no window has room within MAX_TRIES, the request takes the
 * container's own spread's slot, as without a ledger.
 *
 * Once the container knows the cap, its creates take slots too (`admit`, used
 * by creation-admission.ts). Slots are numbered, and each create that used one
 * is noted with its time: slot k of a window goes only once the create of slot
 * k in the window before has left Fivetran's rolling window.
 */
export function createSharedSpread(local: DeferralSpread, schedule: BudgetSchedule, account: string, now: () => number): DeferralSpread {
  let windowMs = 0;
  /** When this container's first creation since the budget last closed happened. */
  let burstStart: number | undefined;
  let cap: number | undefined;
  let grid: Promise<BudgetGrid> | undefined;
  /** The earliest window this container saw with room: the ones before it are full, no need to ask again. */
  let firstOpen = Number.NEGATIVE_INFINITY;

  const gridFor = async (earliest: number, deadline: Deadline): Promise<BudgetGrid> => {
    // Each window starts a little after the budget reopens (the requests' way back, a lookup): a grid of exactly the
    // window would open each window that much before the budget does, more so window after window.
    const periodMs = windowMs + Math.min(MAX_LATENCY_MS, windowMs * LATENCY_SHARE);
    grid ??= schedule.grid(account, { anchor: earliest, windowMs: periodMs, ...(cap === undefined ? {} : { cap }) }, { deadline });
    try {
      const known = await grid;
      if (known.cap !== undefined) return known;
      // A cap learnt after the grid was read is added to it once; while nobody knows it, the next deferral reads the grid again.
      if (cap === undefined) {
        grid = undefined;
        return known;
      }
      grid = schedule.grid(account, { ...known, cap }, { deadline });
      return await grid;
    } catch (error) {
      grid = undefined;
      throw error;
    }
  };

  /** Window k of a grid opens at `anchor + k × windowMs`. */
  const windowOf = (known: BudgetGrid, at: number) => Math.max(0, Math.floor((at - known.anchor) / known.windowMs));

  /**
   * Reserves a slot in the first window from `earliest` on with room and
   * returns it, and when it may be used (not before `earliest`); undefined when
   * the grid cannot be trusted or no window within MAX_TRIES has room. Throws when the ledger does.
   */
  const reserveFrom = async (known: BudgetGrid, earliest: number, deadline: Deadline): Promise<Slot | undefined> => {
    const windowCap = cap ?? known.cap;
    // A grid edited into nonsense (windows past Fivetran's longest, opening far ahead) would hold requests for hours.
    if (windowCap === undefined || known.windowMs > 2 * MAX_WINDOW_MS || known.anchor > earliest + known.windowMs) return undefined;
    for (let index = Math.max(windowOf(known, earliest), firstOpen), tries = 0; tries < MAX_TRIES; index += 1, tries += 1) {
      if (deadline.remainingMs() < MIN_RESERVE_MS) return undefined;
      const opensAt = known.anchor + index * known.windowMs;
      const number = await schedule.reserve(account, opensAt, windowCap, { deadline });
      if (number !== undefined) {
        if (index > firstOpen) firstOpen = index;
        return { at: Math.round(Math.max(earliest, opensAt)), slot: { opensAt, index: number } };
      }
      firstOpen = Math.max(firstOpen, index + 1);
    }
    return undefined;
  };

  /** When the window before a slot's had its creates answered: read once per window, again while it has fewer than the slot's number. */
  const creationsRead = new Map<number, { times: Promise<number[]>; readAt: number }>();
  const creationsBefore = async (known: BudgetGrid, slot: CreationSlot, deadline: Deadline): Promise<number[]> => {
    const previous = slot.opensAt - known.windowMs;
    const cached = creationsRead.get(previous);
    if (cached !== undefined) {
      const times = await cached.times;
      if (times.length >= slot.index || now() - cached.readAt < REREAD_MS) return times;
    }
    const read = { times: schedule.creations(account, previous, { deadline }), readAt: now() };
    creationsRead.set(previous, read);
    for (const opening of creationsRead.keys()) if (opening < previous) creationsRead.delete(opening);
    try {
      return await read.times;
    } catch (error) {
      creationsRead.delete(previous);
      throw error;
    }
  };

  /**
   * Fivetran's windows roll: a creation leaves the count one window after it
   * was made, not when the grid's next window opens. So a slot waits until the
   * creation of the same number in the window before has aged out: the
   * window's creates follow the last one's, slot by slot, however unevenly
   * that one's came back from the queue.
   */
  const pacedAt = async (known: BudgetGrid, slot: CreationSlot, at: number, deadline: Deadline): Promise<number> => {
    const sameNumberBefore = (await creationsBefore(known, slot, deadline))[slot.index - 1];
    // A creation noted after the slot's own time is a clock or a hand edit, not Fivetran's count: it holds nobody back.
    if (sameNumberBefore === undefined || sameNumberBefore > at) return at;
    // Whole milliseconds: the time travels as an SQS Number attribute, read back as an integer only.
    return Math.round(Math.max(at, sameNumberBefore + fivetranWindowOf(known.windowMs)));
  };

  const reserve = async (earliest: number, now: number, context?: SlotContext): Promise<{ at: number; slot?: CreationSlot }> => {
    const fallback = await local.slot(earliest, now, context);
    const waitMs = earliest - now;
    windowMs = Math.min(MAX_WINDOW_MS, Math.max(windowMs, waitMs));
    cap = capNamedBy(context?.fault?.fivetran?.message) ?? cap;
    const held = context?.held;
    // A short wait is a slot freeing in a rolling window, not a new window: it takes no reservation.
    // A request holding a slot keeps it; should the wait cross into the next window, its create's admission sees that.
    if (context === undefined || waitMs < windowMs * SAME_WINDOW_SHARE) return { at: earliest, ...(held ? { slot: held } : {}) };
    // A rolling window's 429 asks to wait until its oldest creation leaves it, which is the window less the burst
    // that filled it: the window reaches back to the burst's first creation.
    if (burstStart !== undefined) windowMs = Math.min(MAX_WINDOW_MS, Math.max(windowMs, earliest - burstStart));
    burstStart = undefined;
    try {
      const known = await gridFor(earliest, context.deadline);
      // Held back within its window (its container's gate reopens a little later than the grid): it keeps its slot.
      if (held !== undefined && windowOf(known, held.opensAt) === windowOf(known, earliest)) return { at: earliest, slot: held };
      return (await reserveFrom(known, earliest, context.deadline)) ?? { at: fallback };
    } catch {
      return { at: fallback };
    }
  };

  return {
    async created(slot, deadline) {
      local.created();
      burstStart ??= now();
      if (slot === undefined || deadline === undefined) return;
      try {
        await schedule.noteCreation(account, slot.opensAt, now(), { deadline });
      } catch {
        // Unnoted, the slot of its number in the next window goes at that window's opening: at worst a 429 and a wait.
      }
    },
    reserve,
    async slot(earliest, now, context?: SlotContext) {
      return (await reserve(earliest, now, context)).at;
    },
    async admit(at, { deadline, held }) {
      // Managed once this container met the cap and planned on the grid: before that, Fivetran's 429 is the signal.
      if (cap === undefined || grid === undefined) return undefined;
      try {
        const known = await gridFor(at, deadline);
        const taken =
          held !== undefined && windowOf(known, held.opensAt) === windowOf(known, at)
            ? { at, slot: held }
            : await reserveFrom(known, at, deadline);
        if (taken === undefined) return undefined;
        return { at: await pacedAt(known, taken.slot, taken.at, deadline), slot: taken.slot };
      } catch {
        return undefined;
      }
    },
  };
}

interface Slot {
  at: number;
  slot: CreationSlot;
}

/** Fivetran's window as the grid's period holds it: the period less what gridFor added for the way back. */
function fivetranWindowOf(periodMs: number): number {
  return periodMs - Math.min(MAX_LATENCY_MS, (periodMs * LATENCY_SHARE) / (1 + LATENCY_SHARE));
}

/** A window's creations are read again, while they are fewer than a slot's number, at most this often. */
const REREAD_MS = 250;
/** What the grid's windows add to Fivetran's for the way from a window's opening to its first creation. */
const MAX_LATENCY_MS = 1_000;
const LATENCY_SHARE = 0.03;
/** Windows tried per deferral; past them the request falls back to the container's own spread. */
const MAX_TRIES = 20;
/** A reservation starts only with this much left, so the deferral's SendMessage still fits. */
const MIN_RESERVE_MS = 250;

/** The creation cap in Fivetran's 429 message (recorded: "No more than 20 connectors can be created in one-minute time period"). */
export function capNamedBy(message: string | undefined): number | undefined {
  const named = message === undefined ? undefined : /No more than (\d{1,6}) connectors/i.exec(message)?.[1];
  const cap = Number(named);
  return named !== undefined && cap >= 1 ? cap : undefined;
}
