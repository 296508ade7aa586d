import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { EventPublisher } from '../../shared/aws/event-publisher';
import { type DeferralState, readDeferral } from '../../shared/contracts/deferral';
import type { SetupTest } from '../../shared/contracts/events';
import type { RequestAction } from '../../shared/contracts/lifecycle-request';
import { REQUEST_SCHEMA_VERSION_ATTRIBUTE } from '../../shared/contracts/request';
import { type KnownRequestFields, type ParsedRequest, parseRequest } from '../../shared/contracts/request-parser';
import type { FivetranApiKey, FivetranClient } from '../../shared/fivetran/client';
import type { Ledger } from '../../shared/ledger/ledger';
import { ProvisioningError } from '../../shared/runtime/errors';
import { createRedactor } from '../../shared/runtime/redact';
import type { BackoffOptions, Deadline } from '../../shared/runtime/retry';
import type { ProvisionerConfig } from '../../shared/runtime/settings';
import { createFromRecord } from './create-record';
import type { FunctionLocation } from './credentials-reference';
import type { CredentialsStore } from './credentials-store';
import { waitForTurn } from './deferral';
import type { DeferralSpread } from './deferral-spread';
import { knownFieldsOf } from './events';
import type { TracedRecord } from './fivetran-tracing';
import type { GroupSnapshots } from './group-snapshots';
import type { KeyedLimiter } from './keyed-limiter';
import { knownFieldsOfLifecycle, lifecycleFromRecord } from './lifecycle/from-record';
import type { FivetranCallTracer } from './provision-connection';
import type { QueueVisibility } from './queue-visibility';
import type { RateGate } from './rate-gate';
import { RecordHandedBack } from './record-handed-back';
import { describeError, recordLog } from './record-log';
import { settleFailure } from './settle-failure';

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

/** The identifying fields of a valid request, in the shape failure events use. */
function knownFieldsOfRequest(parsed: Extract<ParsedRequest, { ok: true }>): KnownRequestFields {
  return parsed.kind === 'create' ? knownFieldsOf(parsed.request) : knownFieldsOfLifecycle(parsed.request);
}
