import type { Logger } from '@aws-lambda-powertools/logger';

type LogAttributes = Record<string, unknown>;

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
 * Adds `requestId` and `sqsMessageId` to every line a record writes. Records
 * of a batch log concurrently, so the keys travel with each call rather than
 * in the shared logger's state; and Powertools' child loggers would each
 * report `cold_start: true`.
 *
 * @example recordLog(logger, { requestId: 'team-a', sqsMessageId: 'm-1' }).info('Connection provisioned')
 */
export function recordLog(logger: Logger, keys: LogAttributes): RecordLog {
  const defined = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));
  return {
    info: (message, attributes) => logger.info(message, { ...defined, ...attributes }),
    warn: (message, attributes) => logger.warn(message, { ...defined, ...attributes }),
    error: (message, attributes) => logger.error(message, { ...defined, ...attributes }),
  };
}
