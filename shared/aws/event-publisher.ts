import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { ProvisioningError } from '../runtime/errors';
import { type BackoffOptions, type Deadline, nextDelayMs } from '../runtime/retry';
import { isTimeUp, untilDeadline } from './aws-calls';

/** PutEvents takes at most ten entries a call. */
const MAX_ENTRIES_PER_CALL = 10;
/**
 * The least time a re-send needs after its wait: a PutEvents call that starts
 * with less would most likely be cut off, spending the wait for nothing.
 */
export const MIN_RESEND_CALL_MS = 250;
/** Entry error codes that a later try may get past. */
const RETRYABLE_ENTRY_ERRORS = new Set([
  'ThrottlingException',
  'InternalException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

export interface PublishableEvent {
  detailType: string;
  detail: unknown;
}

export interface EventPublisherOptions {
  client: EventBridgeClient;
  eventBusName: string;
  source: string;
  /** Re-sends of failed entries, after the first call. */
  maxResends?: number;
  backoff?: BackoffOptions;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface PublishOptions {
  /** No call runs, and no re-send waits, past this: the publish fails instead. */
  deadline?: Deadline;
}

export interface EventPublisher {
  /** Publishes every event or throws EVENT_PUBLISH_FAILED naming what failed. */
  publish(events: readonly PublishableEvent[], options?: PublishOptions): Promise<void>;
}

/**
 * Publishes events to EventBridge, re-sending only the entries that failed
 * with a retryable code. Entries that fail for good, or are still failing
 * after the re-sends, make the whole publish fail: the caller hands the record
 * back to the queue rather than drop its outcome.
 *
 * An entry counts as published only when EventBridge answered it with an
 * EventId; an answer that reports failures without saying which entry
 * failed, or leaves entries out, makes those entries failed, never published.
 */
export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  const maxResends = options.maxResends ?? 3;
  const backoff = options.backoff ?? { baseDelayMs: 100, maxDelayMs: 1_000 };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  const toEntry = (event: PublishableEvent): PutEventsRequestEntry => ({
    EventBusName: options.eventBusName,
    Source: options.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  });

  const publishChunk = async (entries: PutEventsRequestEntry[], deadline: Deadline | undefined): Promise<void> => {
    let pending = entries;
    for (let resend = 0; ; resend += 1) {
      let answer: PutEventsCommandOutput;
      try {
        answer = await options.client.send(new PutEventsCommand({ Entries: pending }), untilDeadline(deadline));
      } catch (error) {
        const name = error instanceof Error ? error.name : 'UnknownError';
        const why = isTimeUp(error) ? `no answer in time (${name})` : name;
        throw new ProvisioningError('EVENT_PUBLISH_FAILED', `PutEvents failed (${why}); will retry`, { cause: error });
      }
      const results = answer.Entries ?? [];
      const failed = pending
        .map((entry, index) => ({ entry, result: results[index] }))
        .filter(({ result }) => result?.EventId === undefined || result.EventId === '');
      if (failed.length === 0) return;
      const codes = [...new Set(failed.map(({ result }) => result?.ErrorCode ?? 'no EventId'))].join(', ');
      // An entry with no error code is unexplained, not refused: worth another try.
      const permanent = failed.filter(({ result }) => result?.ErrorCode !== undefined && !RETRYABLE_ENTRY_ERRORS.has(result.ErrorCode));
      if (permanent.length > 0 || resend >= maxResends) {
        throw new ProvisioningError('EVENT_PUBLISH_FAILED', `PutEvents refused ${failed.length} event(s) (${codes})`);
      }
      const delayMs = nextDelayMs(resend + 1, undefined, backoff, random);
      // Full jitter can draw a wait of 0 ms: the wait alone fitting is not enough, the call must fit too.
      if (deadline !== undefined && delayMs + MIN_RESEND_CALL_MS > deadline.remainingMs()) {
        throw new ProvisioningError(
          'EVENT_PUBLISH_FAILED',
          `PutEvents refused ${failed.length} event(s) (${codes}) and no time is left to re-send`,
        );
      }
      pending = failed.map(({ entry }) => entry);
      await sleep(delayMs);
    }
  };

  return {
    async publish(events, publishOptions = {}) {
      const entries = events.map(toEntry);
      for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_CALL) {
        await publishChunk(entries.slice(start, start + MAX_ENTRIES_PER_CALL), publishOptions.deadline);
      }
    },
  };
}
