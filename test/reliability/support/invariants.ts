import type { PublishedEvent } from '../../../local/aws/aws-stand-in';
import type { RecordedCall, StoredConnection } from '../../../local/fivetran-sandbox/types';
import type { DeadLetter, Delivery } from '../../../local/world/pipeline';
import {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  connectionProvisionedDetailSchema,
  connectionProvisioningFailedDetailSchema,
} from '../../../shared/contracts/events';
import type { ProvisionerConfig } from '../../../shared/runtime/settings';
import { type CampaignPlan, PERMANENT_FAILURE_OF } from './campaign';
import { checkDeliveriesAndCalls } from './invariants-load';
import { groupBy, type TableRow } from './tables';

export { countBy, groupBy, markdownTable, type TableRow } from './tables';

/**
 * Checks the invariants of a finished campaign and lays them out as a table.
 *
 * The outcome unit is the SQS message. Each message must reach exactly one
 * terminal outcome: a `Connection Provisioned` event, a non-retryable
 * `Connection Provisioning Failed` event carrying its `sqsMessageId`, or the
 * dead-letter queue (with exactly one `RETRIES_EXHAUSTED` event carrying its
 * id). `Connection Provisioned` carries no message id, so it is attributed
 * per request: a request sent as M messages, of which F ended with a
 * non-retryable failure and D in the dead-letter queue, must have exactly
 * M − F − D `Connection Provisioned` events. For a request sent once that is
 * "provisioned, or failed, or dead-lettered, and only one of them".
 */

export interface CampaignRun {
  plan: CampaignPlan;
  /** The SQS message id of each planned message, in the same order. */
  messageIds: string[];
  events: readonly PublishedEvent[];
  deadLetters: DeadLetter[];
  deliveries: Delivery[];
  /** Messages delivered again while an earlier delivery was still being handled. */
  overlappingDeliveries: string[];
  calls: readonly RecordedCall[];
  connections: StoredConnection[];
  contractViolations: number;
  batchErrors: number;
  /** Records handed back to the queue, by reason (read from the handlers' logs). */
  handBacks: Record<string, number>;
  drained: boolean;
  config: ProvisionerConfig;
  wallMs: number;
}

export interface CampaignReport {
  rows: TableRow[];
  /** What broke each invariant, by the row's check; empty lists when all hold. */
  violations: Record<string, string[]>;
}

export { CALLS_PER_TRY } from './invariants-load';

export function checkCampaign(run: CampaignRun): CampaignReport {
  const { plan, config } = run;
  const requestOf = new Map(run.messageIds.map((id, index) => [id, plan.messages[index]!.requestId]));
  const messagesOf = groupBy(run.messageIds, (id) => requestOf.get(id)!);
  const kindOf = new Map(plan.requests.map((request) => [request.requestId, request.kind]));

  const provisioned = run.events.filter((event) => event.detailType === CONNECTION_PROVISIONED);
  const failed = run.events.filter((event) => event.detailType === CONNECTION_PROVISIONING_FAILED);
  const detail = (event: PublishedEvent) => event.detail as Record<string, any>;
  const provisionedByRequest = groupBy(provisioned, (event) => String(detail(event).requestId));
  const provisionedByMessage = groupBy(provisioned, (event) => String(detail(event).sqsMessageId));
  const failuresByMessage = groupBy(failed, (event) => String(detail(event).sqsMessageId));
  // A deferred request comes back as a new message: dead letters and deliveries count for the message it first came as.
  const deadLettered = new Set(run.deadLetters.map((letter) => letter.originalMessageId ?? letter.messageId));
  const permanent = (id: string) => (failuresByMessage.get(id) ?? []).filter((event) => detail(event).errorCode !== 'RETRIES_EXHAUSTED');
  const exhausted = (id: string) => (failuresByMessage.get(id) ?? []).filter((event) => detail(event).errorCode === 'RETRIES_EXHAUSTED');

  const violations: Record<string, string[]> = {};
  const rows: TableRow[] = [];
  const check = (name: string, observed: string, required: string, problems: string[]) => {
    violations[name] = problems;
    rows.push({ check: name, observed, required, holds: problems.length === 0 });
  };
  const fact = (name: string, observed: string, required = '(reported)') => rows.push({ check: name, observed, required });

  // The run itself.
  const duplicated = [...messagesOf.values()].filter((ids) => ids.length > 1).length;
  fact('requests / messages sent', `${plan.requests.length} / ${run.messageIds.length} (${duplicated} requests sent twice)`);
  check(
    'queue drained (every message deleted or dead-lettered) within the bound',
    run.drained ? 'yes' : 'no',
    'yes',
    run.drained ? [] : ['the queue still held messages when the wait ended'],
  );

  // Every message: exactly one terminal outcome.
  const outcomeProblems: string[] = [];
  for (const id of run.messageIds) {
    const permanentCount = permanent(id).length;
    const exhaustedCount = exhausted(id).length;
    const provisionedCount = provisionedByMessage.get(id)?.length ?? 0;
    const dead = deadLettered.has(id);
    if (permanentCount > 1) outcomeProblems.push(`${id}: ${permanentCount} non-retryable failure events`);
    if (permanentCount > 0 && (dead || exhaustedCount > 0))
      outcomeProblems.push(`${id}: a non-retryable failure and also retries exhausted`);
    if (dead !== (exhaustedCount === 1))
      outcomeProblems.push(`${id}: dead-lettered=${dead} with ${exhaustedCount} RETRIES_EXHAUSTED events`);
    if (provisionedCount + permanentCount + (dead ? 1 : 0) !== 1) {
      outcomeProblems.push(
        `${id}: ${provisionedCount} Connection Provisioned, ${permanentCount} non-retryable failure(s), dead-lettered=${dead}`,
      );
    }
  }
  for (const [requestId, ids] of messagesOf) {
    const settledOtherwise = ids.filter((id) => permanent(id).length > 0 || deadLettered.has(id)).length;
    const count = provisionedByRequest.get(requestId)?.length ?? 0;
    if (count !== ids.length - settledOtherwise) {
      outcomeProblems.push(
        `${requestId}: ${ids.length} message(s), ${settledOtherwise} failed or dead-lettered, but ${count} Connection Provisioned event(s)`,
      );
    }
  }
  const knownMessages = new Set(run.messageIds);
  for (const event of failed) {
    if (!knownMessages.has(String(detail(event).sqsMessageId)))
      outcomeProblems.push(`a failure event names an unknown message ${detail(event).sqsMessageId}`);
  }
  for (const letter of run.deadLetters) {
    const original = letter.originalMessageId ?? letter.messageId;
    if (!knownMessages.has(original)) outcomeProblems.push(`an unknown message ${original} is in the dead-letter queue`);
  }
  for (const requestId of provisionedByRequest.keys()) {
    if (!messagesOf.has(requestId)) outcomeProblems.push(`Connection Provisioned for a request never sent: ${requestId}`);
  }
  for (const event of provisioned) {
    const id = String(detail(event).sqsMessageId);
    if (requestOf.get(id) !== detail(event).requestId)
      outcomeProblems.push(`Connection Provisioned of ${detail(event).requestId} names message ${id}, not one of its own`);
  }
  const permanentCount = run.messageIds.filter((id) => permanent(id).length > 0).length;
  check(
    'every message has exactly one terminal outcome',
    `${provisioned.length} provisioned + ${permanentCount} non-retryable failures + ${deadLettered.size} dead-lettered = ${provisioned.length + permanentCount + deadLettered.size}`,
    `= ${run.messageIds.length} messages, none with two`,
    outcomeProblems,
  );

  // Dead letters and their events.
  const exhaustedEvents = failed.filter((event) => detail(event).errorCode === 'RETRIES_EXHAUSTED');
  const exhaustedProblems = exhaustedEvents
    .filter((event) => !deadLettered.has(String(detail(event).sqsMessageId)))
    .map((event) => `RETRIES_EXHAUSTED for ${detail(event).sqsMessageId}, which is not in the dead-letter queue`);
  exhaustedProblems.push(
    ...exhaustedEvents
      .filter((event) => detail(event).retryable !== true)
      .map((event) => `RETRIES_EXHAUSTED not marked retryable: ${detail(event).sqsMessageId}`),
  );
  check(
    'each dead letter has exactly one RETRIES_EXHAUSTED event, and each such event a dead letter',
    `${deadLettered.size} dead letters, ${exhaustedEvents.length} events`,
    'equal, pairwise',
    exhaustedProblems,
  );

  // Provisioned and dead-lettered.
  const bothProblems: string[] = [];
  let splitDuplicates = 0;
  for (const id of run.messageIds) {
    if (deadLettered.has(id) && provisionedByMessage.has(id))
      bothProblems.push(`${id} (${requestOf.get(id)}): provisioned and dead-lettered`);
  }
  for (const [requestId, ids] of messagesOf) {
    const dead = ids.filter((id) => deadLettered.has(id)).length;
    const count = provisionedByRequest.get(requestId)?.length ?? 0;
    if (ids.length > 1 && count > 0 && dead > 0) splitDuplicates += 1;
  }
  check(
    'no message is both provisioned and dead-lettered',
    `${bothProblems.length} messages with a Connection Provisioned event in the dead-letter queue`,
    '0',
    bothProblems,
  );
  fact('duplicated requests whose copies ended differently (one provisioned, one dead-lettered)', String(splitDuplicates));

  // The sandbox: one connection per (group, schema), and each provisioned event names one of them.
  const connectionsByKey = groupBy(run.connections, (connection) => `${connection.groupId}/${connection.schema}`);
  const duplicateConnections = [...connectionsByKey]
    .filter(([, list]) => list.length > 1)
    .map(([key, list]) => `${key}: ${list.length} connections`);
  check(
    'the sandbox holds at most one connection per (group, schema)',
    `${run.connections.length} connections, ${connectionsByKey.size} distinct (group, schema)`,
    'never two',
    duplicateConnections,
  );
  const byId = new Map(run.connections.map((connection) => [connection.id, connection]));
  const mismatches = provisioned.flatMap((event) => {
    const d = detail(event);
    const connection = byId.get(String(d.connectionId));
    if (connection === undefined) return [`${d.requestId}: connection ${d.connectionId} is not in the sandbox`];
    if (connection.groupId !== d.groupId || connection.schema !== d.schema || connection.data.service !== 'gitlab') {
      return [`${d.requestId}: connection ${d.connectionId} is ${connection.groupId}/${connection.schema} (${connection.data.service})`];
    }
    const request = plan.requests.find((r) => r.requestId === d.requestId);
    if (request && (request.groupId !== d.groupId || request.schema !== d.schema))
      return [`${d.requestId}: provisioned ${d.groupId}/${d.schema} instead of ${request.groupId}/${request.schema}`];
    return [];
  });
  check(
    'every Connection Provisioned names the GitLab connection the sandbox holds for its request',
    `${provisioned.length - mismatches.length} of ${provisioned.length}`,
    'all',
    mismatches,
  );
  const provisionedRequests = new Set(provisioned.map((event) => String(detail(event).requestId)));
  const orphans = plan.requests.filter(
    (request) =>
      request.kind === 'provision' &&
      !provisionedRequests.has(request.requestId) &&
      connectionsByKey.has(`${request.groupId}/${request.schema}`),
  ).length;
  fact('connections whose requests were all dead-lettered (a redrive answers already_exists)', String(orphans));

  // Outcomes by kind: a transient fault never becomes a permanent failure.
  const kindProblems: string[] = [];
  for (const [id, requestId] of requestOf) {
    const kind = kindOf.get(requestId)!;
    for (const event of permanent(id)) {
      if (detail(event).errorCode !== PERMANENT_FAILURE_OF[kind])
        kindProblems.push(`${requestId} (${kind}): ${detail(event).errorCode}: ${detail(event).message}`);
    }
    if (kind === 'outage' && !deadLettered.has(id)) kindProblems.push(`${requestId} (outage): not dead-lettered`);
  }
  check(
    'only request faults end in a non-retryable failure, each with its own code; transient faults never do',
    `${kindProblems.length} unexpected`,
    '0',
    kindProblems,
  );

  // Events are valid.
  const invalidEvents = run.events.flatMap((event, index) => {
    const schema =
      event.detailType === CONNECTION_PROVISIONED ? connectionProvisionedDetailSchema : connectionProvisioningFailedDetailSchema;
    const parsed = schema.safeParse(event.detail);
    return parsed.success && event.source === config.eventSource && event.eventBusName === config.eventBusName
      ? []
      : [`event ${index} (${event.detailType})`];
  });
  check(
    'every event matches its published schema, source and bus',
    `${run.events.length - invalidEvents.length} of ${run.events.length}`,
    'all',
    invalidEvents,
  );

  checkDeliveriesAndCalls(run, { check, fact }, { messagesOf, provisioned, failed, exhaustedEvents, deadLettered, detail });
  return { rows, violations };
}
