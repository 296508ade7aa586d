import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { ProvisionerConfig } from './config';
import { buildCreateBody, secretValuesOf, type GitlabCredentials } from './credentials';
import { assertCredentialsReferenceAllowed, type FunctionLocation } from './credentials-reference';
import type { CredentialsStore } from './credentials-store';
import { ProvisioningError } from './errors';
import type { FailureCode } from './event-schema';
import type { EventPublisher } from './event-publisher';
import type { FivetranApiKey, FivetranClient } from './fivetran/fivetran-client';
import type { FivetranConnection } from './fivetran/fivetran-schemas';
import type { GroupSnapshots } from './fivetran/group-snapshots';
import { provisionConnection } from './fivetran/provision-connection';
import type { RateGate } from './fivetran/rate-gate';
import type { KeyedLimiter } from './keyed-limiter';
import { failedEvent, knownFieldsOf, provisionedEvent } from './outcome-events';
import type { QueueVisibility } from './queue-visibility';
import { HAND_BACK_LOG_MESSAGES, recordLog, type RecordLog } from './record-log';
import { redact } from './redact';
import { parseProvisioningRequest, type KnownRequestFields } from './request-parser';
import { REQUEST_SCHEMA_VERSION_ATTRIBUTE } from './request-schema';
import { DEFAULT_BACKOFF, type BackoffOptions, type Deadline } from './retry-policy';

/** Long-lived collaborators, created once per container. */
export interface RecordProcessorDeps {
  config: ProvisionerConfig;
  credentials: CredentialsStore;
  publisher: EventPublisher;
  visibility: QueueVisibility;
  fivetranClientFor(apiKey: FivetranApiKey): FivetranClient;
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
  backoff?: BackoffOptions;
  /** Shared by every invocation of the container, so a 429 slows them all. */
  rateGate?: RateGate;
  /** Counts outcomes; a no-op when absent. */
  count?(metric: RecordMetric): void;
}

export type RecordMetric = 'ConnectionsCreated' | 'ConnectionsAlreadyExisting' | 'RequestsFailed' | 'RecordsRetried';

/** What one invocation shares between its records. */
export interface InvocationScope {
  deadline: Deadline;
  location: FunctionLocation | undefined;
  limiter: KeyedLimiter;
  /** Group listings shared by the batch's records. */
  snapshots?: GroupSnapshots;
  logger: Logger;
  loadApiKey(): Promise<FivetranApiKey>;
  /** Drops the cached API key after Fivetran refused it. */
  forgetApiKey?(): void;
}

/** Thrown to hand a record back to SQS; Powertools turns it into a batch item failure. */
export class RecordHandedBack extends Error {
  override readonly name = 'RecordHandedBack';
}

/**
 * Provisions one SQS record end to end. Returns when the record is done for
 * good (its outcome event published) and throws RecordHandedBack when SQS
 * must deliver it again.
 */
export async function processRecord(record: SQSRecord, deps: RecordProcessorDeps, scope: InvocationScope): Promise<void> {
  const parsed = parseProvisioningRequest(record.body, record.messageAttributes[REQUEST_SCHEMA_VERSION_ATTRIBUTE]?.stringValue);
  const known = parsed.ok ? knownFieldsOf(parsed.request) : parsed.known;
  const logger = recordLog(scope.logger, { requestId: known.requestId ?? undefined, sqsMessageId: record.messageId });
  if (!parsed.ok) {
    return settleFailure(record, parsed.error, known, 0, [], deps, logger);
  }
  const { request } = parsed;
  const key = `${request.connection.group_id}/${request.connection.config.schema}`;
  await scope.limiter.run(key, async () => {
    const secrets: string[] = [];
    let attempts = 0;
    try {
      const reference = request.credentialsSecretId;
      let credentials: GitlabCredentials = {};
      if (reference !== undefined) {
        assertCredentialsReferenceAllowed(reference, deps.config.credentialsSecretPrefix, scope.location);
        credentials = await deps.credentials.get(reference);
        secrets.push(...secretValuesOf(credentials));
      }
      const body = buildCreateBody(request.connection, credentials, reference);
      const apiKey = await scope.loadApiKey();
      secrets.push(apiKey.apiSecret);
      const result = await provisionConnection(body, {
        client: deps.fivetranClientFor(apiKey),
        requestTimeoutMs: deps.config.fivetranRequestTimeoutMs,
        maxAttempts: deps.config.maxAttemptsPerDelivery,
        backoff: deps.backoff ?? DEFAULT_BACKOFF,
        deadline: scope.deadline,
        ...(deps.rateGate ? { gate: deps.rateGate } : {}),
        ...(scope.snapshots?.covers(body.group_id) ? { snapshot: snapshotOf(scope.snapshots, body.group_id, body.config.schema) } : {}),
        sleep: deps.sleep,
        random: deps.random,
        onRetry: ({ attempt, delayMs, error }) =>
          logger.info('Retrying Fivetran', { attempt, delayMs, errorCode: error.code, reason: redact(error.message, secrets) }),
      });
      attempts = result.attempts;
      if (!result.ok && result.error.code === 'FIVETRAN_AUTH_FAILED') scope.forgetApiKey?.();
      if (!result.ok) throw result.error;
      await deps.publisher.publish([provisionedEvent(request, result.outcome, result.connection, result.attempts)]);
      deps.count?.(result.outcome === 'created' ? 'ConnectionsCreated' : 'ConnectionsAlreadyExisting');
      logger.info('Connection provisioned', {
        outcome: result.outcome,
        connectionId: result.connection.id,
        setupState: result.connection.status?.setup_state,
        attempts: result.attempts,
      });
    } catch (error) {
      if (error instanceof RecordHandedBack) throw error;
      const fault =
        error instanceof ProvisioningError
          ? error
          : new ProvisioningError('INTERNAL_ERROR', 'An unexpected error occurred; will retry', { cause: error });
      if (fault.code === 'INTERNAL_ERROR') logger.error('Unexpected error', { error: describeForLog(error, secrets) });
      await settleFailure(record, fault, known, attempts, secrets, deps, logger);
    }
  });
}

/**
 * Ends a failed record: a request fault is published and acknowledged; a
 * transient fault goes back to the queue, with a RETRIES_EXHAUSTED event first
 * when this was its last delivery.
 */
async function settleFailure(
  record: SQSRecord,
  fault: ProvisioningError,
  known: KnownRequestFields,
  attempts: number,
  secrets: readonly string[],
  deps: RecordProcessorDeps,
  logger: RecordLog,
): Promise<void> {
  const message = redact(fault.message, secrets);
  const fivetran =
    fault.fivetran?.message === undefined ? fault.fivetran : { ...fault.fivetran, message: redact(fault.fivetran.message, secrets) };
  const deliveries = Number(record.attributes.ApproximateReceiveCount) || 1;
  const publishFailure = async (errorCode: FailureCode, text: string): Promise<void> => {
    try {
      await deps.publisher.publish([
        failedEvent({ known, ...(fivetran ? { fivetran } : {}), errorCode, message: text, attempts, sqsMessageId: record.messageId }),
      ]);
    } catch (error) {
      logger.error(HAND_BACK_LOG_MESSAGES.notPublished, {
        errorCode,
        error: describeForLog(error, secrets),
      });
      throw new RecordHandedBack('failure event not published');
    }
  };

  if (!fault.retryable) {
    logger.warn('Provisioning failed', { errorCode: fault.code, reason: message, fivetranStatus: fault.fivetran?.status });
    await publishFailure(fault.code as FailureCode, message);
    deps.count?.('RequestsFailed');
    return;
  }

  deps.count?.('RecordsRetried');
  if (deliveries >= deps.config.maxReceiveCount) {
    logger.error(HAND_BACK_LOG_MESSAGES.exhausted, { errorCode: fault.code, reason: message, deliveries });
    await publishFailure('RETRIES_EXHAUSTED', `Gave up after ${deliveries} deliveries; the last fault was ${fault.code}: ${message}`);
    throw new RecordHandedBack(fault.code);
  }
  logger.warn(HAND_BACK_LOG_MESSAGES.transient, { errorCode: fault.code, reason: message, deliveries });
  if (fault.retryAfterSeconds !== undefined) {
    try {
      await deps.visibility.hideFor(record, fault.retryAfterSeconds);
      logger.info('Record hidden until Fivetran accepts calls again', { retryAfterSeconds: fault.retryAfterSeconds });
    } catch (error) {
      // The queue's own visibility timeout still brings the record back; only the timing is off.
      logger.warn('Could not change the record visibility', { error: describeForLog(error, secrets) });
    }
  }
  throw new RecordHandedBack(fault.code);
}

function snapshotOf(snapshots: GroupSnapshots, groupId: string, schema: string) {
  return {
    find: (list: () => Promise<FivetranConnection[]>) => snapshots.find(groupId, schema, list),
    remember: (connection: FivetranConnection) => snapshots.remember(connection),
  };
}

function describeForLog(error: unknown, secrets: readonly string[]): { name: string; message: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { name, message: redact(message, secrets) };
}
