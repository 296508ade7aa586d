import type { SQSRecord } from 'aws-lambda';
import { type CreationSlot, type DeferralState, deferralAttributes } from '../../shared/contracts/deferral';
import type { FailureCode } from '../../shared/contracts/error-codes';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';
import { recordDeferral } from './deferral-ledger';
import type { InvocationScope, RecordProcessorDeps, SettledRecord } from './process-record';
import { MIN_CALL_MS } from './provision-connection';
import { MAX_DELAY_SECONDS, type QueueVisibility } from './queue-visibility';
import { describeError, type RecordLog } from './record-log';

export type DeferralPlan = { kind: 'defer'; next: DeferralState; delaySeconds: number } | { kind: 'give up'; waitedMs: number };

/**
 * What to do with a request that may not call Fivetran before `notBefore`:
 * send it back to the queue until then (hopping again when the wait is longer
 * than SQS's 900 s delay), or, once it has waited `maxDeferralMs`, give up.
 */
export function planDeferral(
  record: SQSRecord,
  state: DeferralState | undefined,
  facts: { notBefore: number; now: number; maxDeferralMs: number; knownAbsent?: boolean; slot?: CreationSlot | undefined },
): DeferralPlan {
  const now = Math.floor(facts.now);
  const waitingSince = state?.waitingSince ?? now;
  if (now - waitingSince >= facts.maxDeferralMs) return { kind: 'give up', waitedMs: now - waitingSince };
  // Whole milliseconds: readDeferral takes only integers back, and a fraction would make the request a fresh one.
  const notBefore = Math.ceil(Math.max(now, facts.notBefore));
  const deliveries = (state?.deliveries ?? 0) + (Number(record.attributes.ApproximateReceiveCount) || 1);
  return {
    kind: 'defer',
    next: {
      originalMessageId: state?.originalMessageId ?? record.messageId,
      notBefore,
      waitingSince,
      hops: (state?.hops ?? 0) + 1,
      deliveries,
      ...(facts.knownAbsent === true ? { knownAbsent: true } : {}),
      ...(facts.slot === undefined ? {} : { slot: facts.slot }),
    },
    // SQS delays by whole seconds: rounded, the request arrives at most half a second early (waitForTurn waits
    // that out) or late, where rounding up would make every window start up to a second late.
    delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.round((notBefore - now) / 1000))),
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

/** A deferred request delivered less than this before its time waits in the invocation instead of going round again. */
const EARLY_DELIVERY_TOLERANCE_MS = 1_000;

/**
 * Makes no Fivetran call before a deferred request's time: a delivery a little
 * early waits for it, an earlier one is deferred again (as rate-limited).
 */
export async function waitForTurn(deferral: DeferralState | undefined, deps: RecordProcessorDeps, scope: InvocationScope): Promise<void> {
  if (deferral === undefined) return;
  const waitMs = deferral.notBefore - deps.now();
  if (waitMs <= 0) return;
  if (waitMs <= EARLY_DELIVERY_TOLERANCE_MS && waitMs + MIN_CALL_MS < scope.deadline.remainingMs()) {
    await deps.sleep(waitMs);
    return;
  }
  throw new ProvisioningError('FIVETRAN_RATE_LIMITED', "The request arrived before its deferral ended; it waits on for Fivetran's budget", {
    retryAfterSeconds: Math.ceil(waitMs / 1000),
  });
}

/**
 * Waits out Fivetran's budget on the queue rather than with the record's
 * receives: sends the request back delayed and lets the original be
 * acknowledged (true), or fails it when it has waited too long (true). False
 * when the queue did not take it: the record then goes back itself.
 */
export async function deferOrGiveUp(
  { record, deferral, knownAbsent, ...noted }: Pick<SettledRecord, 'record' | 'deferral' | 'knownAbsent' | 'request' | 'sqsMessageId'>,
  fault: ProvisioningError,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  logger: RecordLog,
  publishFailure: (errorCode: FailureCode, text: string) => Promise<void>,
): Promise<boolean> {
  const now = deps.now();
  const maxDeferralMs = deps.config.maxDeferralHours * 3_600_000;
  const { notBefore, slot } = await returnTime(fault, deferral, deps, scope, now);
  const plan = planDeferral(record, deferral, { notBefore, now, maxDeferralMs, knownAbsent, slot });
  if (plan.kind === 'give up') {
    const hours = (plan.waitedMs / 3_600_000).toFixed(1);
    logger.warn('Gave up waiting for Fivetran to accept calls', {
      errorCode: 'RATE_LIMIT_WAIT_EXCEEDED',
      waitedSeconds: Math.round(plan.waitedMs / 1000),
    });
    await publishFailure(
      'RATE_LIMIT_WAIT_EXCEEDED',
      `Waited ${hours} h for Fivetran's rate limit, longer than MAX_DEFERRAL_HOURS (${deps.config.maxDeferralHours}); send the request again later`,
    );
    deps.count?.('RequestsFailed');
    return true;
  }
  try {
    const sentAs = await sendDeferred(record, plan, deps.visibility, scope.settleDeadline);
    deps.count?.('RecordsDeferred');
    deps.measureDeferral?.(Math.round((now - plan.next.waitingSince) / 1000));
    logger.info(DEFERRED_LOG_MESSAGE, {
      errorCode: fault.code,
      notBefore: new Date(plan.next.notBefore).toISOString(),
      waitingSince: new Date(plan.next.waitingSince).toISOString(),
      hops: plan.next.hops,
      deliveries: plan.next.deliveries,
      delaySeconds: plan.delaySeconds,
      ...(plan.next.slot ? { creationSlot: `${new Date(plan.next.slot.opensAt).toISOString()} #${plan.next.slot.index}` } : {}),
      sentAs,
    });
    await recordDeferral(noted, plan.next, deps, scope.settleDeadline, logger);
    return true;
  } catch (error) {
    logger.warn('Could not defer the request on the queue; the record goes back itself', { error: describeError(error) });
    return false;
  }
}

/**
 * When the request comes back, and whether it holds a creation slot then: the
 * slot its create reserved already (a later window of the shared budget), its
 * own time when it came back before it (it keeps its place), or a new place
 * after the closed budget's reopening.
 */
async function returnTime(
  fault: ProvisioningError,
  deferral: DeferralState | undefined,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  now: number,
): Promise<{ notBefore: number; slot?: CreationSlot | undefined }> {
  if (fault.reservedSlot !== undefined) {
    const { at, ...slot } = fault.reservedSlot;
    return { notBefore: at, slot };
  }
  const earliest = earliestTry(fault, deferral, deps, now);
  const held = deferral?.slot;
  if (deps.spread && earliest > (deferral?.notBefore ?? 0)) {
    const context = { deadline: scope.settleDeadline, fault, ...(held === undefined ? {} : { held }) };
    if (deps.spread.reserve === undefined) return { notBefore: await deps.spread.slot(earliest, now, context) };
    const reserved = await deps.spread.reserve(earliest, now, context);
    return { notBefore: reserved.at, slot: reserved.slot };
  }
  return { notBefore: earliest, slot: held };
}

/**
 * The first moment the request may call Fivetran again. Retry-After and the
 * deferral's rest are whole seconds, rounded up; the gate and the deferral
 * know the moment to the millisecond, and a window that opens up to a second
 * late on every hop adds up.
 */
export function earliestTry(fault: ProvisioningError, deferral: DeferralState | undefined, deps: RecordProcessorDeps, now: number): number {
  const precise = Math.max(deferral?.notBefore ?? 0, deps.rateGate?.reopensAt() ?? 0);
  if (precise > now) return precise;
  return now + (fault.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS) * 1000;
}

/** Fivetran's 429 carries Retry-After; when it does not (a proxy's), the wait is a minute, its shortest window. */
const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60;

/** Logged once per deferral; `sentAs` is the new message's id. */
export const DEFERRED_LOG_MESSAGE = "Deferred on the queue until Fivetran's budget allows";
