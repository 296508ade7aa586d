import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_RUN_DIR } from '../../local/run/settings';
import { AWS_CLIENT_TIMEOUTS, isTimeUp } from '../../shared/aws/aws-calls';
import { readSecret } from '../../shared/aws/secrets';
import { parseApiKeySecret } from '../../shared/fivetran/api-key';
import { createFivetranClient } from '../../shared/fivetran/client';
import { FivetranFault } from '../../shared/fivetran/fault';
import { createDynamoDbLedger } from '../../shared/ledger/dynamodb-ledger';
import type { ConnectionEntry, RequestEntry } from '../../shared/ledger/ledger';
import { type Deadline, deadlineAt } from '../../shared/runtime/retry';
import { defaultOf } from '../../shared/runtime/settings';
import { type LedgerTarget, requireRegion, resolveLedger } from '../aws-target';
import { overrideEnv } from '../env-overrides';
import type { CliIo } from '../io';
import { positiveIntFlag, UsageError } from '../usage-error';
import { userPath } from '../user-path';

const DEFAULT_TIMEOUT_SECONDS = 30;

/** The request's entry as `status` shows it: the stored event is left out (its detail-type is kept). */
export type RequestStatus = Omit<RequestEntry, 'publishedEvent'> & { eventDetailType?: string };

/** What Fivetran says of the connection now: states and test results, never a config value. */
export type FivetranStatus =
  | { connectionId: string; found: false }
  | {
      connectionId: string;
      found: true;
      setupState?: string;
      syncState?: string;
      paused?: boolean;
      setupTests: Array<{ title: string; status: string; message?: string }>;
    };

/** The `--json` output. */
export interface StatusReport {
  id: string;
  request: RequestStatus | null;
  connection: ConnectionEntry | null;
  fivetran?: FivetranStatus;
}

/** A failure the command reports in one line and ends with. */
class StatusFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * `status <requestId|connectionId> [--fivetran] [--json]`: what the ledger
 * knows of a request (and the connection it names) or of a connection, and
 * with --fivetran what Fivetran says of that connection now. Exit 0 found,
 * 2 a command line it cannot act on, 3 the ledger, Secrets Manager or Fivetran
 * cannot be used, 4 neither the ledger (nor, with --fivetran, Fivetran) knows it.
 */
export async function statusCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      fivetran: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'run-dir': { type: 'string' },
      timeout: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const id = positionals[0];
  if (id === undefined || id === '' || positionals.length > 1) throw new UsageError('status takes one request id or connection id');
  const timeoutMs = 1_000 * (positiveIntFlag('timeout', values.timeout, 1, 900) ?? DEFAULT_TIMEOUT_SECONDS);
  const deadline = deadlineAt(Date.now() + timeoutMs, Date.now);
  const target = resolveLedger(values['run-dir'] === undefined ? DEFAULT_RUN_DIR : userPath(values['run-dir']), process.env);
  await requireRegion(target, 'status');
  const fivetranSettings = values.fivetran ? fivetranSettingsOf(target, process.env) : undefined;

  const endpoint = overrideEnv(target.env);
  const dynamodb = new DynamoDBClient(AWS_CLIENT_TIMEOUTS);
  const secretsManager = new SecretsManagerClient(AWS_CLIENT_TIMEOUTS);
  try {
    const report = await readLedger(id, target, dynamodb, deadline);
    if (report.request === null && report.connection === null) {
      io.err(`status: the ledger (table ${target.tableName}${target.note}) knows no request or connection "${id}"`);
      return 4;
    }
    const connectionId = report.connection?.connectionId ?? report.request?.connectionId;
    if (fivetranSettings !== undefined && connectionId !== undefined) {
      report.fivetran = await askFivetran(connectionId, fivetranSettings, secretsManager, deadline);
    }
    io.out(values.json ? JSON.stringify(report, null, 2) : formatStatus(report).join('\n'));
    return report.fivetran?.found === false ? 4 : 0;
  } catch (error) {
    if (!(error instanceof StatusFailure)) throw error;
    io.err(`status: ${error.message}`);
    return error.exitCode;
  } finally {
    dynamodb.destroy();
    secretsManager.destroy();
    endpoint.restore();
  }
}

async function readLedger(id: string, target: LedgerTarget, client: DynamoDBClient, deadline: Deadline): Promise<StatusReport> {
  const ledger = createDynamoDbLedger({ client, tableName: target.tableName });
  try {
    const [request, direct] = await Promise.all([ledger.getRequest(id, { deadline }), ledger.getConnection(id, { deadline })]);
    const connectionId = direct === undefined ? request?.connectionId : undefined;
    const connection = direct ?? (connectionId === undefined ? undefined : await ledger.getConnection(connectionId, { deadline }));
    return { id, request: request === undefined ? null : requestStatusOf(request), connection: connection ?? null };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    const why = isTimeUp(cause) ? 'no answer in time' : cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    throw new StatusFailure(`cannot read the ledger table ${target.tableName}${target.note}: ${why}`, 3);
  }
}

function requestStatusOf(entry: RequestEntry): RequestStatus {
  const { publishedEvent, ...rest } = entry;
  return { ...rest, ...(publishedEvent === undefined ? {} : { eventDetailType: publishedEvent.detailType }) };
}

interface FivetranSettings {
  apiUrl: string;
  apiSecretId: string;
  requestTimeoutMs: number;
}

/** FIVETRAN_API_SECRET_ID and FIVETRAN_API_URL, else the local run's. */
function fivetranSettingsOf(target: LedgerTarget, env: NodeJS.ProcessEnv): FivetranSettings {
  const apiSecretId = env.FIVETRAN_API_SECRET_ID || target.stack?.fivetranApiSecretId;
  if (!apiSecretId) {
    throw new UsageError('--fivetran needs the Fivetran API key: set FIVETRAN_API_SECRET_ID (the stack output FivetranApiSecretId)');
  }
  return {
    apiSecretId,
    apiUrl: env.FIVETRAN_API_URL || target.stack?.fivetranApiUrl || defaultOf('fivetranApiUrl'),
    requestTimeoutMs: defaultOf('fivetranRequestTimeoutMs'),
  };
}

async function askFivetran(
  connectionId: string,
  settings: FivetranSettings,
  secretsManager: SecretsManagerClient,
  deadline: Deadline,
): Promise<FivetranStatus> {
  let secretString: string | undefined;
  try {
    secretString = (await readSecret(secretsManager, settings.apiSecretId, deadline)).secretString;
  } catch (error) {
    const why = isTimeUp(error) ? 'no answer in time' : error instanceof Error ? error.name : String(error);
    throw new StatusFailure(`cannot read the Fivetran API key secret ${settings.apiSecretId}: ${why}`, 3);
  }
  let apiKey: ReturnType<typeof parseApiKeySecret>;
  try {
    apiKey = parseApiKeySecret(settings.apiSecretId, secretString);
  } catch (error) {
    throw new StatusFailure((error as Error).message.replace(/ \(records are retried meanwhile\)$/, ''), 3);
  }
  const client = createFivetranClient({ baseUrl: settings.apiUrl, apiKey });
  const timeoutMs = Math.max(1, Math.min(settings.requestTimeoutMs, Math.floor(deadline.remainingMs())));
  try {
    const connection = await client.getConnection(connectionId, { timeoutMs, deadline });
    const paused = (connection as Record<string, unknown>).paused;
    const syncState = (connection.status as Record<string, unknown> | undefined)?.sync_state;
    return {
      connectionId,
      found: true,
      ...(connection.status?.setup_state === undefined ? {} : { setupState: connection.status.setup_state }),
      ...(typeof syncState === 'string' ? { syncState } : {}),
      ...(typeof paused === 'boolean' ? { paused } : {}),
      setupTests: (connection.setup_tests ?? []).map((test) => ({
        title: test.title,
        status: test.status,
        ...(typeof test.message === 'string' && test.message !== '' ? { message: test.message } : {}),
      })),
    };
  } catch (error) {
    if (error instanceof FivetranFault && error.status === 404) return { connectionId, found: false };
    throw new StatusFailure(`Fivetran (${settings.apiUrl}) could not be asked: ${(error as Error).message}`, 3);
  }
}

/** The human-readable report: one block per thing known, one field a line. */
export function formatStatus(report: StatusReport): string[] {
  const lines: string[] = [];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`  ${name.padEnd(13)}${value}`);
  };
  const { request, connection, fivetran } = report;
  if (request !== null) {
    lines.push(`request ${request.requestId}`);
    field('action', request.action);
    field('status', request.status);
    field('outcome', request.outcome);
    field('error code', request.errorCode);
    field('connection', request.connectionId);
    field('event', request.eventDetailType);
    field('sqs message', request.sqsMessageId);
    field('recorded', request.recordedAt);
  }
  if (connection !== null) {
    lines.push(`connection ${connection.connectionId}`);
    field('group', connection.groupId);
    field('schema', connection.schema);
    field('auth', connection.authKind);
    field('secret', connection.secretName);
    field('applied', connection.appliedVersionId === undefined ? undefined : `version ${connection.appliedVersionId}`);
    field('state', connection.state);
    field('created by', connection.createdByRequestId);
    field('updated', connection.updatedAt);
  } else if (request?.connectionId !== undefined) {
    lines.push(`connection ${request.connectionId}: not in the ledger`);
  }
  if (fivetran !== undefined) {
    if (!fivetran.found) {
      lines.push(`fivetran ${fivetran.connectionId}: Fivetran has no such connection (404)`);
    } else {
      lines.push(`fivetran ${fivetran.connectionId}`);
      field('setup state', fivetran.setupState);
      field('sync state', fivetran.syncState);
      field('paused', fivetran.paused === undefined ? undefined : String(fivetran.paused));
      if (fivetran.setupTests.length === 0) field('setup tests', 'none reported');
      for (const test of fivetran.setupTests)
        field('setup test', `${test.status}  ${test.title}${test.message ? `: ${test.message}` : ''}`);
    }
  }
  return lines;
}
