import {
  CONNECTION_PROVISIONED,
  type ConnectionProvisionedDetail,
  type ConnectionProvisioningFailedDetail,
} from '../../shared/contracts/events';
import type { PublishedEvent } from '../aws/aws-stand-in';
import type { Expectation } from './examples';

/** Where one sent request ended. */
export interface Settled {
  outcome: Expectation;
  connectionId?: string;
  connectCardUri?: string;
  message?: string;
  /** Tries at Fivetran in the delivery that settled it. */
  attempts: number;
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

/**
 * Reads where a request stands from the events published since it was sent
 * and the dead-letter queue. Terminal: a `Connection Provisioned` event, a
 * failure event, or, for RETRIES_EXHAUSTED, the record in the dead-letter
 * queue (the event comes first; SQS moves the record on its next receive).
 * With no view of the dead-letter queue the event alone is terminal.
 */
export function progressOf(
  sent: SentRequest,
  events: readonly PublishedEvent[],
  deadLetters: ReadonlyArray<{ messageId: string }> | undefined,
): Progress {
  const deadLettered = deadLetters?.some((message) => message.messageId === sent.messageId) ?? false;
  let exhausted: ConnectionProvisioningFailedDetail | undefined;
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
    const failed = event.detail as ConnectionProvisioningFailedDetail;
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
