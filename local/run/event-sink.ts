import { appendFileSync, writeFileSync } from 'node:fs';
import type { PublishedEvent } from '../aws/aws-stand-in';

export interface EventSink {
  /** The JSON Lines file every event is appended to. */
  readonly path: string;
  /** Every event written, in order; a live array. */
  readonly events: readonly PublishedEvent[];
  /** Set once an event could not be written; from then on every event is refused. */
  readonly failure: Error | undefined;
  /** Writes the event, or throws when it cannot (the stand-in then reports the entry as failed). */
  accept(event: PublishedEvent): void;
}

/** The event as EventBridge delivers it to a rule's target: what a subscriber's pattern is matched against. */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export function toEnvelope(event: PublishedEvent): EventBridgeEnvelope {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: event.account,
    // EventBridge stamps whole seconds ("2017-12-22T18:43:48Z" in AWS's event structure reference).
    time: event.time.replace(/\.\d+Z$/, 'Z'),
    region: event.region,
    resources: event.resources,
    detail: event.detail,
  };
}

/**
 * Where the local EventBridge stand-in's events go: one EventBridge envelope
 * a line in a file that starts empty with every run (so it holds this run's
 * outcomes only), and callbacks for printing and for a write that failed (a
 * full disk): a run that cannot keep its events must not look successful.
 */
export function createEventSink(
  path: string,
  onEvent: (event: PublishedEvent) => void = () => undefined,
  onFailure: (error: Error) => void = () => undefined,
): EventSink {
  writeFileSync(path, '');
  const events: PublishedEvent[] = [];
  let failure: Error | undefined;
  return {
    path,
    events,
    get failure() {
      return failure;
    },
    accept(event) {
      if (failure !== undefined) throw failure;
      try {
        // Synchronous so the file holds an event before anyone is told about it.
        appendFileSync(path, `${JSON.stringify(toEnvelope(event))}\n`);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        onFailure(failure);
        throw failure;
      }
      events.push(event);
      onEvent(event);
    },
  };
}
