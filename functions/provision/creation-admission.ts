import type { DeferralState } from '../../shared/contracts/deferral';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';
import type { DeferralSpread } from './deferral-spread';
import { MIN_CALL_MS } from './gated-call';

/**
 * What a create does before its call while Fivetran's creation budget is
 * shared (shared-spread.ts): it takes a slot in the window open now, or waits
 * for the first window with room. Without it every container learns that a
 * window is spent from a 429 of its own, once per window; with it only the
 * windows' cap of creates reach Fivetran, from all containers together.
 *
 * The returned function runs once per create try: a request that arrived
 * holding a slot (its deferral reserved one) uses it for its first try only.
 * It sleeps when the slot's window opens within the invocation and throws
 * FIVETRAN_RATE_LIMITED with `slotReservedAt` when it does not, so that the
 * deferral sends the request back to that window, slot and all.
 */
export function creationAdmission(
  spread: DeferralSpread | undefined,
  deferral: DeferralState | undefined,
  clock: { now(): number; sleep(ms: number): Promise<void> },
  deadline: Deadline,
): (() => Promise<void>) | undefined {
  const admit = spread?.admit?.bind(spread);
  if (admit === undefined) return undefined;
  let held = deferral?.slotHeld === true ? deferral.notBefore : undefined;
  return async () => {
    const now = clock.now();
    const opensAt = await admit(now, { deadline, ...(held === undefined ? {} : { held }) });
    held = undefined;
    if (opensAt === undefined || opensAt <= now) return;
    const waitMs = opensAt - now;
    if (waitMs + MIN_CALL_MS <= deadline.remainingMs()) {
      await clock.sleep(waitMs);
      return;
    }
    throw new ProvisioningError(
      'FIVETRAN_RATE_LIMITED',
      "Fivetran's creation budget is taken until a later window; the request waits for its slot on the queue",
      {
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        slotReservedAt: opensAt,
      },
    );
  };
}
