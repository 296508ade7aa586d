import { appendFileSync, writeFileSync } from 'node:fs';
import type { PublishedEvent } from '../aws/aws-stand-in';

export interface EventSink {
  /** The JSON Lines file every event is appended to. */
  readonly path: string;
  /** Every event received, in order; a live array. */
  readonly events: readonly PublishedEvent[];
  accept(event: PublishedEvent): void;
}

/**
 * Where the local EventBridge stand-in's events go: one JSON line each in a
 * file that starts empty with every run (so it holds this run's outcomes
 * only), and a callback for printing.
 */
export function createEventSink(path: string, onEvent: (event: PublishedEvent) => void = () => undefined): EventSink {
  writeFileSync(path, '');
  const events: PublishedEvent[] = [];
  return {
    path,
    events,
    accept(event) {
      events.push(event);
      // Synchronous so the file holds an event before anyone is told about it.
      appendFileSync(path, `${JSON.stringify(event)}\n`);
      onEvent(event);
    },
  };
}
