import {
  CONNECTION_PROVISIONED,
  type ConnectionProvisionedDetail,
  type ConnectionProvisioningFailedDetail,
} from '../../shared/contracts/events';
import {
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_DECOMMISSIONED,
  CONNECTION_PAUSED,
  CONNECTION_RESUMED,
  CONNECTION_UPDATED,
  type ConnectionCredentialsAppliedDetail,
  type ConnectionDecommissionedDetail,
  type ConnectionPausedDetail,
  type ConnectionUpdatedDetail,
} from '../../shared/contracts/lifecycle-events';
import type { PublishedEvent, SecretLabelUpdatedEvent } from '../aws/aws-stand-in';
import type { HandBack } from './hand-backs';
import { type ExampleRun, metExpectation } from './run-examples';
import type { RotationReport } from './worker-messages';

/**
 * What a person reads during a local run: one compact line per event, a
 * progress line, and the summary table. Pure text; the CLI decides where it goes.
 */

const MAX_MESSAGE_CHARS = 100;
/** Secrets Manager version ids are UUIDs: their first 8 characters tell the versions of one secret apart on a line. */
const VERSION_ID_CHARS = 8;

/** "event  Connection Provisioned  example-pat  created  connection amused_quantity  attempts 1" */
export function formatEvent(event: Pick<PublishedEvent, 'detailType' | 'detail'>): string {
  if (event.detailType === CONNECTION_PROVISIONED) {
    const detail = event.detail as ConnectionProvisionedDetail;
    const card = detail.connectCardUri ? `  connect card ${detail.connectCardUri}` : '';
    return `event  ${event.detailType}  ${detail.requestId}  ${detail.outcome}  connection ${detail.connectionId}  attempts ${detail.attempts}${card}`;
  }
  const lifecycle = formatLifecycleEvent(event);
  if (lifecycle !== undefined) return lifecycle;
  const detail = event.detail as Partial<ConnectionProvisioningFailedDetail>;
  return `event  ${event.detailType}  ${detail.requestId ?? '(no requestId)'}  ${detail.errorCode ?? '?'}  ${truncate(detail.message ?? '')}`;
}

/**
 * "event  Connection Updated  example-update  connection mellow_meadow  changed sync_frequency";
 * "event  Connection Credentials Applied  rotate:mellow_meadow:5f0c…  connection mellow_meadow  secret fivetran/gitlab/…  version 1a2b3c4d → 5f0c1d2e  rotation"
 */
function formatLifecycleEvent(event: Pick<PublishedEvent, 'detailType' | 'detail'>): string | undefined {
  const line = (requestId: string, ...parts: string[]) => ['event', event.detailType, requestId, ...parts].join('  ');
  switch (event.detailType) {
    case CONNECTION_UPDATED: {
      const detail = event.detail as ConnectionUpdatedDetail;
      return line(detail.requestId, `connection ${detail.connectionId}`, `changed ${detail.changed.join(', ')}`);
    }
    case CONNECTION_PAUSED:
    case CONNECTION_RESUMED: {
      const detail = event.detail as ConnectionPausedDetail;
      return line(detail.requestId, `connection ${detail.connectionId}`);
    }
    case CONNECTION_CREDENTIALS_APPLIED: {
      const detail = event.detail as ConnectionCredentialsAppliedDetail;
      const version = (id: string | null) => (id === null ? '(none recorded)' : id.slice(0, VERSION_ID_CHARS));
      const passed = detail.setupTests.length;
      return line(
        detail.requestId,
        `connection ${detail.connectionId}`,
        `secret ${detail.secretName}`,
        `version ${version(detail.previousVersionId)} → ${version(detail.versionId)}`,
        detail.trigger,
        `${passed} setup test${passed === 1 ? '' : 's'} passed`,
      );
    }
    case CONNECTION_DECOMMISSIONED: {
      const detail = event.detail as ConnectionDecommissionedDetail;
      return line(detail.requestId, detail.outcome, `connection ${detail.connectionId}`);
    }
    default:
      return undefined;
  }
}

/**
 * One line per `Secret Label Updated` event the rotation fan-out handled:
 * "rotation  fivetran/gitlab/sandbox_group/team-pat  version 5f0c1d2e  2 reapply_credentials requests enqueued (2 of 2 connections using it are behind)"
 */
export function formatRotation(report: RotationReport, secret: SecretLabelUpdatedEvent['detail']): string {
  const head = `rotation  ${secret.name}  version ${secret.versionId.slice(0, VERSION_ID_CHARS)}`;
  switch (report.status) {
    case 'enqueued': {
      const sent = report.requestIds.length;
      return `${head}  ${sent} reapply_credentials request${sent === 1 ? '' : 's'} enqueued (${sent} of ${report.connections} connection${report.connections === 1 ? '' : 's'} using it ${sent === 1 ? 'is' : 'are'} behind)`;
    }
    case 'ignored':
      return `${head}  ignored: ${report.reason === 'prefix' ? 'not under the credentials prefix' : `label ${report.reason}`}`;
    case 'dropped':
      return `${head}  dropped: ${report.errorCode}`;
    case 'failed':
      return `${head}  failed: ${report.errorCode}: ${truncate(report.message)}`;
  }
}

/**
 * One line per record handed back to the queue:
 * "retry  more-1  FIVETRAN_UNAVAILABLE  delivery 1 of 5 handed back: GET /v1/groups/g/connections: connection refused (ECONNREFUSED)"
 */
export function formatHandBack(handBack: HandBack, maxReceiveCount: number): string {
  const request = handBack.requestId ?? '(no requestId)';
  const delivery = handBack.deliveries === undefined ? 'delivery' : `delivery ${handBack.deliveries} of ${maxReceiveCount}`;
  const reason = truncate((handBack.reason ?? '').replace(/; will retry$/, ''));
  switch (handBack.kind) {
    case 'transient':
      return `retry  ${request}  ${handBack.errorCode ?? '?'}  ${delivery} handed back: ${reason}`;
    case 'exhausted':
      return `retry  ${request}  ${handBack.errorCode ?? '?'}  ${delivery}: retries exhausted, off to the dead-letter queue: ${reason}`;
    case 'notPublished':
      return `retry  ${request}  its ${handBack.errorCode ?? 'failure'} event could not be published; handed back: ${reason}`;
  }
}

/** "examples 4/6 settled · 1 retrying · 2 waiting" */
export function formatProgress(runs: readonly ExampleRun[], elapsedMs: number): string {
  const settled = runs.filter((run) => run.settled).length;
  const exhausted = runs.filter((run) => run.exhausted && !run.settled).length;
  const failedToSend = runs.filter((run) => run.sendError).length;
  const waiting = runs.length - settled - exhausted - failedToSend;
  const parts = [`examples ${settled}/${runs.length} settled`];
  if (exhausted > 0) parts.push(`${exhausted} on the way to the dead-letter queue`);
  if (waiting > 0) parts.push(`${waiting} waiting`);
  if (failedToSend > 0) parts.push(`${failedToSend} not sent`);
  parts.push(`${(elapsedMs / 1000).toFixed(1)} s`);
  return parts.join(' · ');
}

/** The final table: request, outcome, connection id or error code, attempts, and whether the expectation was met. */
export function formatSummary(runs: readonly ExampleRun[]): string {
  const header = ['request', 'outcome', 'connection id / error code', 'attempts', 'expected'];
  const rows = runs.map((run) => {
    const settled = run.settled;
    const outcome = settled
      ? settled.deadLettered
        ? 'dead-lettered'
        : settled.connectionId
          ? settled.outcome
          : 'failed'
      : run.sendError
        ? 'not sent'
        : 'no outcome';
    const detail = settled?.connectionId ?? (settled ? settled.outcome : (run.sendError ?? '-'));
    const attempts = settled?.attempts === undefined ? '-' : String(settled.attempts);
    const expected = metExpectation(run) ? `yes (${run.example.expect})` : `NO: expected ${run.example.expect}`;
    return [run.example.requestId, outcome, truncate(detail, 40), attempts, expected];
  });
  return renderTable([header, ...rows]);
}

export function renderTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

function truncate(text: string, max = MAX_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
