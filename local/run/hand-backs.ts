import { HAND_BACK_LOG_MESSAGES } from '../../functions/provision/record-log';
import { lineReader } from './line-reader';

/** A record the handler gave back to SQS, as its log line tells it. */
export interface HandBack {
  kind: keyof typeof HAND_BACK_LOG_MESSAGES;
  requestId: string | undefined;
  sqsMessageId: string | undefined;
  errorCode: string | undefined;
  /** What went wrong, as the handler logged it (never a secret: the handler redacts). */
  reason: string | undefined;
  /** The delivery that ended so; absent when not logged. */
  deliveries: number | undefined;
}

export interface HandBackFollower {
  /** Reads what is left in the log, then stops. */
  stop(): void;
}

const FOLLOW_EVERY_MS = 200;
const KIND_OF = new Map<string, HandBack['kind']>(
  Object.entries(HAND_BACK_LOG_MESSAGES).map(([kind, message]) => [message, kind as HandBack['kind']]),
);

/**
 * Follows the worker's log file (the Powertools JSON lines CloudWatch would
 * hold) and reports every hand-back as it is written, so that a person
 * watching a local run sees each retry, and why, in the terminal.
 */
export function followHandBacks(logFile: string, onHandBack: (handBack: HandBack) => void): HandBackFollower {
  const reader = lineReader(logFile);
  const readNew = () =>
    reader.read((line) => {
      const handBack = parseHandBack(line);
      if (handBack !== undefined) onHandBack(handBack);
    });
  const timer = setInterval(() => {
    try {
      readNew();
    } catch {
      // The log is a view for the person watching; the run does not depend on it.
    }
  }, FOLLOW_EVERY_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      try {
        readNew();
      } catch {
        // As above.
      }
    },
  };
}

/** The hand-back a log line reports, or undefined for any other line (or one that is not JSON). */
export function parseHandBack(line: string): HandBack | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const kind = typeof entry?.message === 'string' ? KIND_OF.get(entry.message) : undefined;
  if (kind === undefined) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const error = entry.error as { message?: unknown } | undefined;
  return {
    kind,
    requestId: text(entry.requestId),
    sqsMessageId: text(entry.sqsMessageId),
    errorCode: text(entry.errorCode),
    reason: text(entry.reason) ?? text(error?.message),
    deliveries: typeof entry.deliveries === 'number' ? entry.deliveries : undefined,
  };
}
