import { CONNECTION_PROVISIONED, CONNECTION_PROVISIONING_FAILED, type ConnectionProvisionedDetail } from '../../shared/contracts/events';
import {
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_DECOMMISSIONED,
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
  CONNECTION_PAUSED,
  CONNECTION_RESUMED,
  CONNECTION_UPDATED,
  type ConnectionDecommissionedDetail,
  type ConnectionLifecycleRequestFailedDetail,
} from '../../shared/contracts/lifecycle-events';
import type { PublishedEvent } from '../aws/aws-stand-in';
import type { Expectation, LifecycleOutcome } from './examples';

/** Where one sent request ended. */
export interface Settled {
  outcome: Expectation;
  connectionId?: string;
  connectCardUri?: string;
  message?: string;
  /** Tries at Fivetran in the delivery that settled it; lifecycle events other than a failure do not count them. */
  attempts?: number;
  /** The record is in the dead-letter queue. */
  deadLettered?: boolean;
}

export type Progress = { state: 'waiting' } | { state: 'exhausted' } | { state: 'settled'; settled: Settled };

export interface SentRequest {
  requestId: string;
  messageId: string;
  /** Events before this index belong to earlier sends. */
  sinceEvent: number;
}

/** The outcome each lifecycle success event stands for; a decommission says its own (`deleted` or `already_deleted`). */
const LIFECYCLE_OUTCOME_OF: Record<string, (detail: unknown) => LifecycleOutcome> = {
  [CONNECTION_UPDATED]: () => 'updated',
  [CONNECTION_PAUSED]: () => 'paused',
  [CONNECTION_RESUMED]: () => 'resumed',
  [CONNECTION_CREDENTIALS_APPLIED]: () => 'credentials_applied',
  [CONNECTION_DECOMMISSIONED]: (detail) => (detail as ConnectionDecommissionedDetail).outcome,
};
const FAILURE_DETAIL_TYPES = new Set([CONNECTION_PROVISIONING_FAILED, CONNECTION_LIFECYCLE_REQUEST_FAILED]);

/**
 * Reads where a request stands from the events published since it was sent
 * and the dead-letter queue. Terminal: a `Connection Provisioned` event, a
 * lifecycle event (`Connection Updated`, `… Paused`, …), a failure event, or,
 * for RETRIES_EXHAUSTED, the record in the dead-letter queue (the event comes
 * first; SQS moves the record on its next receive). With no view of the
 * dead-letter queue the event alone is terminal.
 */
export function progressOf(
  sent: SentRequest,
  events: readonly PublishedEvent[],
  deadLetters: ReadonlyArray<{ messageId: string }> | undefined,
): Progress {
  const deadLettered = deadLetters?.some((message) => message.messageId === sent.messageId) ?? false;
  let exhausted: ConnectionLifecycleRequestFailedDetail | undefined;
  for (const event of events.slice(sent.sinceEvent)) {
    const detail = event.detail as { requestId?: unknown };
    if (detail?.requestId !== sent.requestId) continue;
    if (event.detailType === CONNECTION_PROVISIONED) {
      const provisioned = event.detail as ConnectionProvisionedDetail;
      return {
        state: 'settled',
        settled: {
          outcome: provisioned.outcome,
          connectionId: provisioned.connectionId,
          ...(provisioned.connectCardUri ? { connectCardUri: provisioned.connectCardUri } : {}),
          attempts: provisioned.attempts,
        },
      };
    }
    const lifecycleOutcome = LIFECYCLE_OUTCOME_OF[event.detailType];
    if (lifecycleOutcome !== undefined) {
      const { connectionId } = event.detail as { connectionId: string };
      return { state: 'settled', settled: { outcome: lifecycleOutcome(event.detail), connectionId } };
    }
    if (!FAILURE_DETAIL_TYPES.has(event.detailType)) continue;
    // Both failure events carry errorCode, message and attempts; the lifecycle one's codes include the provisioning ones.
    const failed = event.detail as ConnectionLifecycleRequestFailedDetail;
    if (failed.errorCode !== 'RETRIES_EXHAUSTED') {
      return { state: 'settled', settled: { outcome: failed.errorCode, message: failed.message, attempts: failed.attempts } };
    }
    exhausted = failed;
  }
  if (exhausted && (deadLettered || deadLetters === undefined)) {
    return {
      state: 'settled',
      settled: { outcome: 'RETRIES_EXHAUSTED', message: exhausted.message, attempts: exhausted.attempts, deadLettered },
    };
  }
  if (deadLettered) {
    const message = 'in the dead-letter queue with no failure event (its event could not be published)';
    return { state: 'settled', settled: { outcome: 'RETRIES_EXHAUSTED', message, attempts: 0, deadLettered } };
  }
  return exhausted ? { state: 'exhausted' } : { state: 'waiting' };
}
