import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ProvisioningError } from './errors';
import { nextDelayMs, type BackoffOptions } from './retry-policy';

/** PutEvents takes at most ten entries a call. */
const MAX_ENTRIES_PER_CALL = 10;
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

export interface EventPublisher {
  /** Publishes every event or throws EVENT_PUBLISH_FAILED naming what failed. */
  publish(events: readonly PublishableEvent[]): Promise<void>;
}

/**
 * Publishes events to EventBridge, re-sending only the entries that failed
 * with a retryable code. Entries that fail for good, or are still failing
 * after the re-sends, make the whole publish fail: the caller hands the record
 * back to the queue rather than drop its outcome.
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

  const publishChunk = async (entries: PutEventsRequestEntry[]): Promise<void> => {
    let pending = entries;
    for (let resend = 0; ; resend += 1) {
      let answer;
      try {
        answer = await options.client.send(new PutEventsCommand({ Entries: pending }));
      } catch (error) {
        const name = error instanceof Error ? error.name : 'UnknownError';
        throw new ProvisioningError('EVENT_PUBLISH_FAILED', `PutEvents failed (${name}); will retry`, { cause: error });
      }
      if (!answer.FailedEntryCount) return;
      const failed = (answer.Entries ?? [])
        .map((result, index) => ({ result, entry: pending[index]! }))
        .filter(({ result }) => result.ErrorCode !== undefined);
      const permanent = failed.filter(({ result }) => !RETRYABLE_ENTRY_ERRORS.has(result.ErrorCode!));
      if (permanent.length > 0 || resend >= maxResends) {
        const codes = [...new Set(failed.map(({ result }) => result.ErrorCode))].join(', ');
        throw new ProvisioningError('EVENT_PUBLISH_FAILED', `PutEvents refused ${failed.length} event(s) (${codes})`);
      }
      pending = failed.map(({ entry }) => entry);
      await sleep(nextDelayMs(resend + 1, undefined, backoff, random));
    }
  };

  return {
    async publish(events) {
      const entries = events.map(toEntry);
      for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_CALL) {
        await publishChunk(entries.slice(start, start + MAX_ENTRIES_PER_CALL));
      }
    },
  };
}
