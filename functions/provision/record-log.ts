import type { Logger } from '@aws-lambda-powertools/logger';
import type { Redactor } from '../../shared/runtime/redact';

type LogAttributes = Record<string, unknown>;

/** A log line's texts are cut (after redaction) to this, so one echoed answer cannot flood the log. */
const MAX_LOGGED_TEXT_LENGTH = 2_000;

/**
 * The log messages of a record handed back to SQS, one per hand-back. Each
 * line also carries `errorCode`, and `reason` and `deliveries` where known;
 * the local run follows them to show retries as they happen.
 */
export const HAND_BACK_LOG_MESSAGES = {
  transient: 'Transient fault; the record goes back to the queue',
  exhausted: 'Retries exhausted; the record goes to the dead-letter queue',
  notPublished: 'Could not publish the failure event; the record goes back to the queue',
} as const;

/** Logging for one record: every line carries the record's identifying keys. */
export interface RecordLog {
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

/**
 * Adds `requestId` and `sqsMessageId` to every line a record writes, and
 * passes the message and every text in the attributes through the record's
 * redactor: a line cannot be written around it. Records of a batch log
 * concurrently, so the keys travel with each call rather than in the shared
 * logger's state; and Powertools' child loggers would each report
 * `cold_start: true`.
 *
 * @example recordLog(logger, { requestId: 'team-a', sqsMessageId: 'm-1' }, redactor).info('Connection provisioned')
 */
export function recordLog(logger: Logger, keys: LogAttributes, redactor: Redactor): RecordLog {
  const defined = Object.entries(keys).filter(([, value]) => value !== undefined);
  // The redactor learns secrets as the record goes on, so each line is redacted as it is written. The keys
  // identify the record; like an event's identifiers they lose a secret only whole.
  const line = (message: string, attributes: LogAttributes | undefined): [string, LogAttributes] => [
    redactor.text(message, MAX_LOGGED_TEXT_LENGTH),
    {
      ...redactor.deep({ ...attributes }, MAX_LOGGED_TEXT_LENGTH),
      ...Object.fromEntries(defined.map(([key, value]) => [key, typeof value === 'string' ? redactor.name(value) : value])),
    },
  ];
  return {
    info: (message, attributes) => logger.info(...line(message, attributes)),
    warn: (message, attributes) => logger.warn(...line(message, attributes)),
    error: (message, attributes) => logger.error(...line(message, attributes)),
  };
}

/** An error as a log attribute; the record log redacts it. */
export function describeError(error: unknown): { name: string; message: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { name, message };
}
