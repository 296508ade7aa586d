import type { ProvisioningRequest } from '../../shared/contracts/request';
import type { FivetranConnection } from '../../shared/fivetran/schemas';
import type { AuthKind, Ledger } from '../../shared/ledger/ledger';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { Redactor } from '../../shared/runtime/redact';
import { DEFAULT_BACKOFF } from '../../shared/runtime/retry';
import { budgetLedgerDeadline, creationAdmission } from './creation-admission';
import { buildCreateBody, type GitlabCredentials, secretValuesOf } from './credentials';
import { assertCredentialsReferenceAllowed } from './credentials-reference';
import type { CredentialsVersion } from './credentials-store';
import { provisionedEvent } from './events';
import type { GroupSnapshots } from './group-snapshots';
import type { InvocationScope, RecordProcessorDeps, SettledRecord } from './process-record';
import { provisionConnection } from './provision-connection';
import type { RecordLog } from './record-log';

/** One record's create, as processRecord hands it over. */
export interface CreateRecord {
  request: ProvisioningRequest;
  settled: SettledRecord;
  redactor: Redactor;
  logger: RecordLog;
  /** Tries made; read by the failure event when this throws. */
  attempts: { count: number };
}

/**
 * Creates the connection a create request describes (or finds it made),
 * records it in the ledger when there is one, and publishes
 * `Connection Provisioned`. Throws a coded fault for processRecord to settle.
 */
export async function createFromRecord(
  { request, settled, redactor, logger, attempts }: CreateRecord,
  deps: RecordProcessorDeps,
  scope: InvocationScope,
): Promise<void> {
  await refuseIdOfAnotherAction(request.requestId, deps.ledger, scope);
  const reference = request.credentialsSecretId;
  let credentials: GitlabCredentials = {};
  let read: CredentialsVersion | undefined;
  if (reference !== undefined) {
    const { credentialsSecretPrefix: prefix, credentialsScope } = deps.config;
    const groupId = credentialsScope === 'group' ? request.connection.group_id : undefined;
    assertCredentialsReferenceAllowed(reference, { prefix, ...(groupId === undefined ? {} : { groupId }) }, scope.location);
    read = await deps.credentials.get(reference, { deadline: scope.deadline });
    credentials = read.credentials;
    redactor.add(...secretValuesOf(credentials));
    if (read.ignoredKeys > 0)
      logger.info('Credentials secret in the managed rotation format; its other keys are ignored', { ignoredKeys: read.ignoredKeys });
  }
  const body = buildCreateBody(request.connection, credentials, reference);
  const apiKey = await scope.loadApiKey();
  const basic = Buffer.from(`${apiKey.apiKey}:${apiKey.apiSecret}`).toString('base64');
  redactor.add(apiKey.apiKey, apiKey.apiSecret, `${apiKey.apiKey}:${apiKey.apiSecret}`, `Basic ${basic}`);
  const traceCall = deps.traceFivetranCalls?.({ requestId: request.requestId, groupId: body.group_id });
  const admission = creationAdmission(deps.spread, settled.deferral, deps, scope.deadline);
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
    knownAbsent: settled.knownAbsent,
    ...(traceCall ? { traceCall } : {}),
    ...(admission ? { admitCreate: admission.admit } : {}),
    onRateLimited: () => deps.count?.('FivetranRateLimited'),
    onRetry: ({ attempt, delayMs, error }) => {
      deps.measureWait?.(delayMs);
      logger.info('Retrying Fivetran', { attempt, delayMs, errorCode: error.code, reason: error.message });
    },
  });
  attempts.count = result.attempts;
  settled.knownAbsent = !result.ok && result.knownAbsent;
  if (!result.ok && result.error.code === 'FIVETRAN_AUTH_FAILED') scope.forgetApiKey?.();
  if (!result.ok) throw result.error;
  if (deps.ledger) {
    await recordCreate(
      deps.ledger,
      { request, connection: result.connection, outcome: result.outcome, read, settled, now: deps.now() },
      scope,
    );
  }
  const event = provisionedEvent(
    { request, outcome: result.outcome, connection: result.connection, attempts: result.attempts, sqsMessageId: settled.sqsMessageId },
    redactor,
  );
  await deps.publisher.publish([event], { deadline: scope.settleDeadline });
  if (result.outcome === 'created') await deps.spread?.created(admission?.admitted(), budgetLedgerDeadline(scope.settleDeadline, deps.now));
  deps.count?.(result.outcome === 'created' ? 'ConnectionsCreated' : 'ConnectionsAlreadyExisting');
  logger.info('Connection provisioned', {
    outcome: result.outcome,
    connectionId: result.connection.id,
    setupState: result.connection.status?.setup_state,
    attempts: result.attempts,
  });
}

/**
 * A create whose requestId a lifecycle request used already would make a
 * connection the ledger cannot record under it (a succeeded request is never
 * overwritten), so nobody could name it by that id: refused before Fivetran is called.
 */
async function refuseIdOfAnotherAction(requestId: string, ledger: Ledger | undefined, scope: InvocationScope): Promise<void> {
  const recorded = await ledger?.getRequest(requestId, { deadline: scope.deadline });
  if (recorded !== undefined && recorded.action !== 'create') {
    throw new ProvisioningError(
      'INVALID_REQUEST',
      `requestId ${requestId} was used by a ${recorded.action} request already; give each request an id of its own`,
    );
  }
}

/**
 * Records the connection (with the secret's name and the version its values
 * came from) and the request, before the event goes out: a lifecycle request
 * that reads the event can find both. A connection recorded already stays as it is.
 */
async function recordCreate(
  ledger: Ledger,
  facts: {
    request: ProvisioningRequest;
    connection: FivetranConnection;
    outcome: string;
    read: CredentialsVersion | undefined;
    settled: SettledRecord;
    now: number;
  },
  scope: InvocationScope,
): Promise<void> {
  const { request, connection, read } = facts;
  const recordedAt = new Date(facts.now).toISOString();
  const options = { deadline: scope.deadline };
  await ledger.recordConnection(
    {
      connectionId: connection.id,
      groupId: connection.group_id,
      schema: connection.schema,
      service: 'gitlab',
      authKind: authKindOf(request),
      ...(read === undefined ? {} : { secretName: read.secretName }),
      ...(read?.versionId === undefined ? {} : { appliedVersionId: read.versionId }),
      state: request.connection.paused === true ? 'paused' : 'active',
      createdByRequestId: request.requestId,
      updatedAt: recordedAt,
    },
    options,
  );
  await ledger.recordRequest(
    {
      requestId: request.requestId,
      action: 'create',
      status: 'succeeded',
      connectionId: connection.id,
      outcome: facts.outcome,
      sqsMessageId: facts.settled.sqsMessageId,
      recordedAt,
    },
    options,
  );
}

export function authKindOf(request: ProvisioningRequest): AuthKind {
  const { connection } = request;
  if (connection.connect_card_config !== undefined) return 'connect_card';
  if (connection.config.auth === 'oauth_2') return 'oauth';
  if (connection.config.enable_mtls_connection === 'true') return 'client_certificate';
  return 'personal_access_token';
}

function snapshotOf(snapshots: GroupSnapshots, groupId: string, schema: string) {
  return {
    find: (list: () => Promise<FivetranConnection[]>) => snapshots.find(groupId, schema, list),
    remember: (connection: FivetranConnection) => snapshots.remember(connection),
  };
}
