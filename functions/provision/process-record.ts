import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { EventPublisher } from '../../shared/aws/event-publisher';
import { type DeferralState, readDeferral } from '../../shared/contracts/deferral';
import { isFailureCode, isTransientCode, type LifecycleFailureCode, type TransientCode } from '../../shared/contracts/error-codes';
import type { SetupTest } from '../../shared/contracts/events';
import type { RequestAction } from '../../shared/contracts/lifecycle-request';
import { REQUEST_SCHEMA_VERSION_ATTRIBUTE } from '../../shared/contracts/request';
import { isLifecycleAction, type KnownRequestFields, type ParsedRequest, parseRequest } from '../../shared/contracts/request-parser';
import type { FivetranApiKey, FivetranClient } from '../../shared/fivetran/client';
import type { Ledger } from '../../shared/ledger/ledger';
import { CodedError, ProvisioningError } from '../../shared/runtime/errors';
import { createRedactor, type Redactor } from '../../shared/runtime/redact';
import type { BackoffOptions, Deadline } from '../../shared/runtime/retry';
import type { ProvisionerConfig } from '../../shared/runtime/settings';
import { createFromRecord } from './create-record';
import type { FunctionLocation } from './credentials-reference';
import type { CredentialsStore } from './credentials-store';
import { deferOrGiveUp, waitForTurn } from './deferral';
import { forgetDeferral } from './deferral-ledger';
import type { DeferralSpread } from './deferral-spread';
import { failedEvent, knownFieldsOf } from './events';
import type { TracedRecord } from './fivetran-tracing';
import type { GroupSnapshots } from './group-snapshots';
import type { KeyedLimiter } from './keyed-limiter';
import { lifecycleFailedEvent } from './lifecycle/events';
import { knownFieldsOfLifecycle, lifecycleFromRecord, recordFailedRequest } from './lifecycle/from-record';
import type { FivetranCallTracer } from './provision-connection';
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
  /** The ledger of requests and connections; absent (no LEDGER_TABLE_NAME): creates are not recorded and lifecycle requests fail. */
  ledger?: Ledger;
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
  | 'DeferralsNotRecorded'
  | 'DeferralsNotForgotten'
  | 'FivetranRateLimited'
  | 'CredentialsApplied'
  | 'CredentialsSetupTestsFailed'
  | 'CredentialsAlreadyCurrent'
  | 'LifecycleRequestsFailed'
  | 'ConnectionsDecommissioned';

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
  /**
   * Lifecycle actions on one connection, one after another: `limiter`'s key
   * cannot tell that a target named by its create's requestId is the one
   * another record names by connectionId. It holds no slot of its own.
   */
  connectionTurns: KeyedLimiter;
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

/** Reads a record's body as a request (create or lifecycle): once per record and invocation, before any record is processed. */
export function parseRecord(record: SQSRecord): ParsedRequest {
  return parseRequest(record.body, record.messageAttributes[REQUEST_SCHEMA_VERSION_ATTRIBUTE]?.stringValue);
}

/**
 * Settles one SQS record end to end, given its body as `parseRecord` read
 * it: a create, or a lifecycle action on a connection the ledger knows.
 * Returns when the record is done for good (its outcome event published)
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
  const known = parsed.ok ? knownFieldsOfRequest(parsed) : parsed.known;
  // A deferred request arrives as a new message; its events and logs keep naming the one it first came as.
  const deferral = readDeferral(record.messageAttributes, deps.now());
  const sqsMessageId = deferral?.originalMessageId ?? record.messageId;
  const logger = recordLog(
    scope.logger,
    { requestId: known.requestId ?? undefined, sqsMessageId, deliveredAs: deferral ? record.messageId : undefined },
    redactor,
  );
  const settled: SettledRecord = {
    record,
    deferral,
    sqsMessageId,
    knownAbsent: deferral?.knownAbsent === true,
    known,
    ...(parsed.ok ? { request: { requestId: parsed.request.requestId, action: parsed.request.action ?? 'create' } } : {}),
  };
  if (!parsed.ok) {
    return settleFailure(settled, parsed.error, 0, redactor, deps, scope, logger);
  }
  const key =
    parsed.kind === 'create'
      ? `${parsed.request.connection.group_id}/${parsed.request.connection.config.schema}`
      : `target:${JSON.stringify(parsed.request.target)}`;
  await scope.limiter.run(key, async () => {
    const attempts = { count: 0 };
    try {
      await waitForTurn(deferral, deps, scope);
      if (parsed.kind === 'create') {
        await createFromRecord({ request: parsed.request, settled, redactor, logger, attempts }, deps, scope);
        return;
      }
      await lifecycleFromRecord({ request: parsed.request, settled, redactor, logger, attempts }, deps, scope);
    } catch (error) {
      if (error instanceof RecordHandedBack) throw error;
      const fault =
        error instanceof ProvisioningError
          ? error
          : new ProvisioningError('INTERNAL_ERROR', 'An unexpected error occurred; will retry', { cause: error });
      redactor.add(...fault.secretValues);
      if (fault.code === 'INTERNAL_ERROR') logger.error('Unexpected error', { error: describeError(error) });
      await settleFailure(settled, fault, attempts.count, redactor, deps, scope, logger);
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
  /** What its failure event can say of it (a lifecycle request's target once the ledger named it). */
  known: KnownRequestFields;
  /** A valid request's id and action: what the ledger records a failure under. */
  request?: { requestId: string; action: RequestAction };
  /** SETUP_TESTS_FAILED: the tests Fivetran ran. */
  setupTests?: SetupTest[];
}

/**
 * Ends a failed record: a request fault is published and acknowledged; a
 * rate-limited one is deferred on the queue (or, having waited MAX_DEFERRAL_HOURS,
 * fails with RATE_LIMIT_WAIT_EXCEEDED); any other transient fault goes back
 * to the queue, with a RETRIES_EXHAUSTED event first when this was its last delivery.
 */
async function settleFailure(
  settled: SettledRecord,
  fault: ProvisioningError,
  attempts: number,
  redactor: Redactor,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  logger: RecordLog,
): Promise<void> {
  const { record, deferral, sqsMessageId, knownAbsent, known } = settled;
  const deliveries = Number(record.attributes.ApproximateReceiveCount) || 1;
  const lifecycle = isLifecycleAction(known.action);
  const publishFailure = async (errorCode: LifecycleFailureCode, text: string): Promise<void> => {
    if (errorCode !== 'RETRIES_EXHAUSTED') await recordFailure(settled, errorCode, deps, scope, logger);
    try {
      const facts = { known, ...(fault.fivetran ? { fivetran: fault.fivetran } : {}), message: text, attempts, sqsMessageId };
      const event = lifecycle
        ? lifecycleFailedEvent({ ...facts, errorCode, ...(settled.setupTests ? { setupTests: settled.setupTests } : {}) }, redactor)
        : // A create meets none of the lifecycle-only codes; should one ever arise, the event still names a refusal.
          failedEvent({ ...facts, errorCode: isFailureCode(errorCode) ? errorCode : 'FIVETRAN_REJECTED' }, redactor);
      await deps.publisher.publish([event], { deadline: scope.settleDeadline });
    } catch (error) {
      logger.error(HAND_BACK_LOG_MESSAGES.notPublished, { errorCode, error: describeError(error) });
      throw new RecordHandedBack('EVENT_PUBLISH_FAILED', 'the failure event was not published; the record goes back to the queue');
    }
  };

  const code = fault.code;
  if (!isTransientCode(code)) {
    logger.warn(lifecycle ? 'Lifecycle request failed' : 'Provisioning failed', {
      errorCode: code,
      reason: fault.message,
      fivetranStatus: fault.fivetran?.status,
    });
    await publishFailure(code, fault.message);
    deps.count?.(lifecycle ? 'LifecycleRequestsFailed' : 'RequestsFailed', { errorCode: code });
    return;
  }

  if (code === 'FIVETRAN_RATE_LIMITED') {
    const handled = await deferOrGiveUp(
      { record, deferral, knownAbsent, sqsMessageId, ...(settled.request ? { request: settled.request } : {}) },
      fault,
      deps,
      scope,
      logger,
      publishFailure,
    );
    if (handled) return;
  }
  deps.count?.('RecordsRetried');
  if (deliveries >= deps.config.maxReceiveCount) {
    logger.error(HAND_BACK_LOG_MESSAGES.exhausted, { errorCode: fault.code, reason: fault.message, deliveries });
    const text = `Gave up after ${deliveries} deliveries; the last fault was ${fault.code}: ${fault.message}`;
    // After the event, which matters more, within the same deadline; the record goes to the dead-letter queue either way.
    await publishFailure('RETRIES_EXHAUSTED', text).finally(() => forgetDeferral(settled, deps, scope.settleDeadline, logger));
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

/** A terminal failure in the ledger, if there is one; a ledger that fails hands the record back: the event waits for it. */
async function recordFailure(
  settled: SettledRecord,
  errorCode: LifecycleFailureCode,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
  logger: RecordLog,
) {
  try {
    await recordFailedRequest(settled, errorCode, deps, scope);
  } catch (error) {
    logger.error(HAND_BACK_LOG_MESSAGES.transient, { errorCode: 'LEDGER_UNAVAILABLE', reason: describeError(error).message });
    throw new RecordHandedBack('LEDGER_UNAVAILABLE');
  }
}

/** The identifying fields of a valid request, in the shape failure events use. */
function knownFieldsOfRequest(parsed: Extract<ParsedRequest, { ok: true }>): KnownRequestFields {
  return parsed.kind === 'create' ? knownFieldsOf(parsed.request) : knownFieldsOfLifecycle(parsed.request);
}
