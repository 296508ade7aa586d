import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EventBridgeEnvelope } from '../../local/run/event-sink';
import { FileError, fileErrorReason } from '../../local/run/file-error';
import { lineReader } from '../../local/run/line-reader';
import { formatEvent } from '../../local/run/report';
import { DEFAULT_RUN_DIR } from '../../local/run/settings';
import { type Interrupts, listenForInterrupts } from '../interrupts';
import type { CliIo } from '../io';
import { UsageError } from '../usage-error';
import { userPath } from '../user-path';

const FOLLOW_EVERY_MS = 250;

/** What an event must match to be shown; absent fields match anything. */
export interface EventFilter {
  detailType?: string;
  requestId?: string;
  outcome?: string;
  errorCode?: string;
}

export function matchesFilter(event: EventBridgeEnvelope, filter: EventFilter): boolean {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  return (
    (filter.detailType === undefined || event['detail-type'].toLowerCase() === filter.detailType.toLowerCase()) &&
    (filter.requestId === undefined || detail.requestId === filter.requestId) &&
    (filter.outcome === undefined || detail.outcome === filter.outcome) &&
    (filter.errorCode === undefined || detail.errorCode === filter.errorCode)
  );
}

/**
 * `events`: prints the local run's events (events.jsonl, one EventBridge
 * envelope a line) that match the filters, as one line each or as JSON;
 * with --follow, keeps printing new ones until interrupted. A line that is
 * not an event is reported on stderr and skipped. Exit 0.
 */
export async function eventsCommand(args: string[], io: CliIo, interrupts?: Interrupts): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      follow: { type: 'boolean', short: 'f', default: false },
      'detail-type': { type: 'string' },
      'request-id': { type: 'string' },
      outcome: { type: 'string' },
      'error-code': { type: 'string' },
      json: { type: 'boolean', default: false },
      'run-dir': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`events takes only options, got "${positionals.join(' ')}"`);
  const filter: EventFilter = {
    ...(values['detail-type'] === undefined ? {} : { detailType: values['detail-type'] }),
    ...(values['request-id'] === undefined ? {} : { requestId: values['request-id'] }),
    ...(values.outcome === undefined ? {} : { outcome: values.outcome }),
    ...(values['error-code'] === undefined ? {} : { errorCode: values['error-code'] }),
  };
  const path = join(values['run-dir'] === undefined ? DEFAULT_RUN_DIR : userPath(values['run-dir']), 'events.jsonl');
  if (!values.follow && !existsSync(path)) {
    throw new FileError(`cannot read ${path}: no such file or directory (a run writes it: npm start)`);
  }

  const show = (line: string, where: number) => {
    let event: EventBridgeEnvelope;
    try {
      event = JSON.parse(line) as EventBridgeEnvelope;
      if (typeof event['detail-type'] !== 'string') throw new Error('no detail-type');
    } catch {
      io.err(`${path} line ${where}: not an event, skipped`);
      return;
    }
    if (!matchesFilter(event, filter)) return;
    io.out(values.json ? line : formatEvent({ detailType: event['detail-type'], detail: event.detail }));
  };
  const reader = lineReader(path, (error) => new FileError(`cannot read ${path}: ${fileErrorReason(error)}`, { cause: error }));
  reader.read(show);
  if (!values.follow) return 0;

  const listening = interrupts ?? listenForInterrupts(io);
  try {
    while (!listening.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_EVERY_MS);
        listening.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      reader.read(show);
    }
  } finally {
    if (interrupts === undefined) listening.dispose();
  }
  return 0;
}
