import type { SQSRecord } from 'aws-lambda';
import { deferralAttributes, type DeferralState } from '../../shared/contracts/deferral';
import type { Deadline } from '../../shared/runtime/retry';
import { MAX_DELAY_SECONDS, type QueueVisibility } from './queue-visibility';

/**
 * Spread of a deferred request's next try, as a share of its wait (at most a
 * minute): the requests a window refused do not all come back in the same
 * second, so the containers meet the next window one probe at a time.
 */
const JITTER_SHARE = 0.1;
const MAX_JITTER_MS = 60_000;

export type DeferralPlan =
  | { kind: 'defer'; next: DeferralState; delaySeconds: number }
  | { kind: 'give up'; waitedMs: number };

/**
 * What to do with a request that must wait `waitMs` for Fivetran's budget:
 * send it back to the queue until then (hopping again when the wait is longer
 * than SQS's 900 s delay), or, once it has waited `maxDeferralMs`, give up.
 */
export function planDeferral(
  record: SQSRecord,
  state: DeferralState | undefined,
  facts: { waitMs: number; now: number; random: () => number; maxDeferralMs: number },
): DeferralPlan {
  const { now, waitMs } = facts;
  const waitingSince = state?.waitingSince ?? now;
  if (now - waitingSince >= facts.maxDeferralMs) return { kind: 'give up', waitedMs: now - waitingSince };
  const jitterMs = Math.floor(facts.random() * Math.min(MAX_JITTER_MS, waitMs * JITTER_SHARE));
  const notBefore = now + Math.max(0, waitMs) + jitterMs;
  const deliveries = (state?.deliveries ?? 0) + (Number(record.attributes.ApproximateReceiveCount) || 1);
  return {
    kind: 'defer',
    next: { originalMessageId: state?.originalMessageId ?? record.messageId, notBefore, waitingSince, hops: (state?.hops ?? 0) + 1, deliveries },
    delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((notBefore - now) / 1000))),
  };
}

/** Sends the record's body back to its queue as `plan` says; rejects when SQS did not take it (the record must then go back itself). */
export async function sendDeferred(
  record: SQSRecord,
  plan: Extract<DeferralPlan, { kind: 'defer' }>,
  visibility: QueueVisibility,
  deadline: Deadline,
): Promise<string> {
  return visibility.sendAgain(record, plan.delaySeconds, deferralAttributes(record.messageAttributes, plan.next), { deadline });
}
