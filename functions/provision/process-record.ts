import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { EventPublisher } from '../../shared/aws/event-publisher';
import { type DeferralState, readDeferral } from '../../shared/contracts/deferral';
import { type FailureCode, isTransientCode, type TransientCode } from '../../shared/contracts/error-codes';
import { REQUEST_SCHEMA_VERSION_ATTRIBUTE } from '../../shared/contracts/request';
import { type KnownRequestFields, type ParsedRequest, parseProvisioningRequest } from '../../shared/contracts/request-parser';
import type { FivetranApiKey, FivetranClient } from '../../shared/fivetran/client';
import type { FivetranConnection } from '../../shared/fivetran/schemas';
import { CodedError, ProvisioningError } from '../../shared/runtime/errors';
import { createRedactor, type Redactor } from '../../shared/runtime/redact';
import { type BackoffOptions, DEFAULT_BACKOFF, type Deadline } from '../../shared/runtime/retry';
import type { ProvisionerConfig } from '../../shared/runtime/settings';
import { buildCreateBody, type GitlabCredentials, secretValuesOf } from './credentials';
import { assertCredentialsReferenceAllowed, type FunctionLocation } from './credentials-reference';
import type { CredentialsStore } from './credentials-store';
import { deferOrGiveUp, waitForTurn } from './deferral';
import type { DeferralSpread } from './deferral-spread';
import { failedEvent, knownFieldsOf, provisionedEvent } from './events';
import type { TracedRecord } from './fivetran-tracing';
import type { GroupSnapshots } from './group-snapshots';
import type { KeyedLimiter } from './keyed-limiter';
import { type FivetranCallTracer, provisionConnection } from './provision-connection';
import type { QueueVisibility } from './queue-visibility';
import type { RateGate } from './rate-gate';
import { describeError, HAND_BACK_LOG_MESSAGES, type RecordLog, recordLog } from './record-log';

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
  /** Spreads the container's deferred requests over Fivetran's windows; without it each comes back at its earliest. */
  spread?: DeferralSpread;
  /** Counts outcomes; a no-op when absent. With dimensions, counts it once more under them (the failure's `errorCode`). */
  count?(metric: RecordMetric, dimensions?: Record<string, string>): void;
  /** Records how long a record waited before trying Fivetran again. */
  measureWait?(ms: number): void;
  /** Records how long a deferred request has waited so far, in seconds; a no-op when absent. */
  measureDeferral?(waitedSeconds: number): void;
  /** A tracer of each Fivetran call of a record, when tracing is on. */
  traceFivetranCalls?(record: TracedRecord): FivetranCallTracer | undefined;
}

export type RecordMetric =
  | 'ConnectionsCreated'
  | 'ConnectionsAlreadyExisting'
  | 'RequestsFailed'
  | 'RecordsRetried'
  | 'RecordsDeferred'
  | 'FivetranRateLimited';

/** What one invocation shares between its records. */
export interface InvocationScope {
  /** No Secrets Manager read and no Fivetran call runs past this. */
  deadline: Deadline;
  /**
   * Later than `deadline`, earlier than Lambda's: publishing an outcome and
   * changing a record's visibility end by then, so the batch can still answer.
   */
  settleDeadline: Deadline;
  location: FunctionLocation | undefined;
  limiter: KeyedLimiter;
  /** Group listings shared by the batch's records. */
  snapshots?: GroupSnapshots;
  logger: Logger;
  /** The Fivetran API key, through the function's secret cache, waited for no longer than `deadline` (API_KEY_UNAVAILABLE). */
  loadApiKey(): Promise<FivetranApiKey>;
  /** Drops the cached API key after Fivetran refused it, so the next read calls Secrets Manager. */
  forgetApiKey?(): void;
}

/**
 * Thrown to hand a record back to SQS; Powertools turns it into a batch item
 * failure. Its code is the transient fault that sent it back; its message
 * names only the code, since the record's log already said why, redacted.
 */
export class RecordHandedBack extends CodedError<TransientCode> {
  override readonly name = 'RecordHandedBack';

  constructor(code: TransientCode, message = `the record goes back to the queue (${code})`) {
    super(code, message);
  }
}

/** Reads a record's body as a provisioning request: once per record and invocation, before any record is processed. */
export function parseRecord(record: SQSRecord): ParsedRequest {
  return parseProvisioningRequest(record.body, record.messageAttributes[REQUEST_SCHEMA_VERSION_ATTRIBUTE]?.stringValue);
}

/**
 * Provisions one SQS record end to end, given its body as `parseRecord` read
 * it. Returns when the record is done for good (its outcome event published)
 * and throws RecordHandedBack when SQS must deliver it again.
 */
export async function processRecord(
  record: SQSRecord,
  parsed: ParsedRequest,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
): Promise<void> {
  // Every text about this record leaves through it: it learns each secret as the record meets it.
  const redactor = createRedactor();
  const known = parsed.ok ? knownFieldsOf(parsed.request) : parsed.known;
  // A deferred request arrives as a new message; its events and logs keep naming the one it first came as.
  const deferral = readDeferral(record.messageAttributes, deps.now());
  const sqsMessageId = deferral?.originalMessageId ?? record.messageId;
  const logger = recordLog(
    scope.logger,
    { requestId: known.requestId ?? undefined, sqsMessageId, deliveredAs: deferral ? record.messageId : undefined },
    redactor,
  );
  const failure: SettledRecord = { record, deferral, sqsMessageId, knownAbsent: deferral?.knownAbsent === true };
  if (!parsed.ok) {
    return settleFailure(failure, parsed.error, known, 0, redactor, deps, scope, logger);
  }
  const { request } = parsed;
  const key = `${request.connection.group_id}/${request.connection.config.schema}`;
  await scope.limiter.run(key, async () => {
    let attempts = 0;
    try {
      await waitForTurn(deferral, deps, scope);
      const reference = request.credentialsSecretId;
      let credentials: GitlabCredentials = {};
      if (reference !== undefined) {
        const { credentialsSecretPrefix: prefix, credentialsScope } = deps.config;
        const groupId = credentialsScope === 'group' ? request.connection.group_id : undefined;
        assertCredentialsReferenceAllowed(reference, { prefix, ...(groupId === undefined ? {} : { groupId }) }, scope.location);
        credentials = await deps.credentials.get(reference, { deadline: scope.deadline });
        redactor.add(...secretValuesOf(credentials));
      }
      const body = buildCreateBody(request.connection, credentials, reference);
      const apiKey = await scope.loadApiKey();
      const basic = Buffer.from(`${apiKey.apiKey}:${apiKey.apiSecret}`).toString('base64');
      redactor.add(apiKey.apiKey, apiKey.apiSecret, `${apiKey.apiKey}:${apiKey.apiSecret}`, `Basic ${basic}`);
      const traceCall = deps.traceFivetranCalls?.({ requestId: request.requestId, groupId: body.group_id });
      const result = await provisionConnection(body, {
        client: deps.fivetranClientFor(apiKey),
        requestTimeoutMs: deps.config.fivetranRequestTimeoutMs,
        createTimeoutMs: deps.config.fivetranCreateTimeoutMs,
        maxAttempts: deps.config.maxAttemptsPerDelivery,
        backoff: deps.backoff ?? DEFAULT_BACKOFF,
        deadline: scope.deadline,
        ...(deps.rateGate ? { gate: deps.rateGate } : {}),
        ...(scope.snapshots?.covers(body.group_id) ? { snapshot: snapshotOf(scope.snapshots, body.group_id, body.config.schema) } : {}),
        sleep: deps.sleep,
        random: deps.random,
        knownAbsent: failure.knownAbsent,
        ...(traceCall ? { traceCall } : {}),
        onRateLimited: () => deps.count?.('FivetranRateLimited'),
        onRetry: ({ attempt, delayMs, error }) => {
          deps.measureWait?.(delayMs);
          logger.info('Retrying Fivetran', { attempt, delayMs, errorCode: error.code, reason: error.message });
        },
      });
      attempts = result.attempts;
      failure.knownAbsent = !result.ok && result.knownAbsent;
      if (!result.ok && result.error.code === 'FIVETRAN_AUTH_FAILED') scope.forgetApiKey?.();
      if (!result.ok) throw result.error;
      const event = provisionedEvent(
        { request, outcome: result.outcome, connection: result.connection, attempts: result.attempts, sqsMessageId },
        redactor,
      );
      await deps.publisher.publish([event], { deadline: scope.settleDeadline });
      if (result.outcome === 'created') deps.spread?.created();
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
      redactor.add(...fault.secretValues);
      if (fault.code === 'INTERNAL_ERROR') logger.error('Unexpected error', { error: describeError(error) });
      await settleFailure(failure, fault, known, attempts, redactor, deps, scope, logger);
    }
  });
}

/** The record being settled, and the deferral it arrived with. */
export interface SettledRecord {
  record: SQSRecord;
  deferral: DeferralState | undefined;
  /** The message id the request first came as: what its events name. */
  sqsMessageId: string;
  /** What the last lookup showed, for the next try (DeferralState.knownAbsent). */
  knownAbsent: boolean;
}

/**
 * Ends a failed record: a request fault is published and acknowledged; a
 * rate-limited one is deferred on the queue (or, having waited MAX_DEFERRAL_HOURS,
 * fails with RATE_LIMIT_WAIT_EXCEEDED); any other transient fault goes back
 * to the queue, with a RETRIES_EXHAUSTED event first when this was its last delivery.
 */
async function settleFailure(
  { record, deferral, sqsMessageId, knownAbsent }: SettledRecord,
  fault: ProvisioningError,
  known: KnownRequestFields,
  attempts: number,
  redactor: Redactor,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  logger: RecordLog,
): Promise<void> {
  const deliveries = Number(record.attributes.ApproximateReceiveCount) || 1;
  const publishFailure = async (errorCode: FailureCode, text: string): Promise<void> => {
    try {
      const event = failedEvent(
        { known, ...(fault.fivetran ? { fivetran: fault.fivetran } : {}), errorCode, message: text, attempts, sqsMessageId },
        redactor,
      );
      await deps.publisher.publish([event], { deadline: scope.settleDeadline });
    } catch (error) {
      logger.error(HAND_BACK_LOG_MESSAGES.notPublished, { errorCode, error: describeError(error) });
      throw new RecordHandedBack('EVENT_PUBLISH_FAILED', 'the failure event was not published; the record goes back to the queue');
    }
  };

  const code = fault.code;
  if (!isTransientCode(code)) {
    logger.warn('Provisioning failed', { errorCode: code, reason: fault.message, fivetranStatus: fault.fivetran?.status });
    await publishFailure(code, fault.message);
    deps.count?.('RequestsFailed', { errorCode: code });
    return;
  }

  if (code === 'FIVETRAN_RATE_LIMITED') {
    const settled = await deferOrGiveUp({ record, deferral, knownAbsent }, fault, deps, scope, logger, publishFailure);
    if (settled) return;
  }
  deps.count?.('RecordsRetried');
  if (deliveries >= deps.config.maxReceiveCount) {
    logger.error(HAND_BACK_LOG_MESSAGES.exhausted, { errorCode: fault.code, reason: fault.message, deliveries });
    await publishFailure('RETRIES_EXHAUSTED', `Gave up after ${deliveries} deliveries; the last fault was ${fault.code}: ${fault.message}`);
    throw new RecordHandedBack(code);
  }
  if (code === 'FIVETRAN_ROUTE_NOT_FOUND') {
    // Every record meets the same 404 until an operator fixes the setting: say so loudly, and which value is in use.
    logger.error('Fivetran answered 404 for a route it should know: check FIVETRAN_API_URL; the record goes back to the queue', {
      errorCode: fault.code,
      reason: fault.message,
      deliveries,
      fivetranApiUrl: deps.config.fivetranApiUrl,
    });
  } else {
    logger.warn(HAND_BACK_LOG_MESSAGES.transient, { errorCode: fault.code, reason: fault.message, deliveries });
  }
  if (fault.retryAfterSeconds !== undefined) {
    try {
      await deps.visibility.hideFor(record, fault.retryAfterSeconds, { deadline: scope.settleDeadline });
      logger.info('Record hidden until Fivetran accepts calls again', { retryAfterSeconds: fault.retryAfterSeconds });
    } catch (error) {
      // The queue's own visibility timeout still brings the record back; only the timing is off.
      logger.warn('Could not change the record visibility', { error: describeError(error) });
    }
  }
  throw new RecordHandedBack(code);
}

function snapshotOf(snapshots: GroupSnapshots, groupId: string, schema: string) {
  return {
    find: (list: () => Promise<FivetranConnection[]>) => snapshots.find(groupId, schema, list),
    remember: (connection: FivetranConnection) => snapshots.remember(connection),
  };
}
