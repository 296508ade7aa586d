import {
  CONNECTION_PROVISIONED,
  type ConnectionProvisionedDetail,
  type ConnectionProvisioningFailedDetail,
} from '../../shared/contracts/events';
import type { PublishedEvent } from '../aws/aws-stand-in';
import type { HandBack } from './hand-backs';
import { type ExampleRun, metExpectation } from './run-examples';

/**
 * What a person reads during a local run: one compact line per event, a
 * progress line, and the summary table. Pure text; the CLI decides where it goes.
 */

const MAX_MESSAGE_CHARS = 100;

/** "event  Connection Provisioned  example-pat  created  connection amused_quantity  attempts 1" */
export function formatEvent(event: Pick<PublishedEvent, 'detailType' | 'detail'>): string {
  if (event.detailType === CONNECTION_PROVISIONED) {
    const detail = event.detail as ConnectionProvisionedDetail;
    const card = detail.connectCardUri ? `  connect card ${detail.connectCardUri}` : '';
    return `event  ${event.detailType}  ${detail.requestId}  ${detail.outcome}  connection ${detail.connectionId}  attempts ${detail.attempts}${card}`;
  }
  const detail = event.detail as Partial<ConnectionProvisioningFailedDetail>;
  return `event  ${event.detailType}  ${detail.requestId ?? '(no requestId)'}  ${detail.errorCode ?? '?'}  ${truncate(detail.message ?? '')}`;
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
    const attempts = settled ? String(settled.attempts) : '-';
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
