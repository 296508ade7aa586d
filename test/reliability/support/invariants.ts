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
import { type CampaignPlan, OUTAGE_GROUP, PERMANENT_FAILURE_OF } from './campaign';
import { countBy, describeCounts, describeFaults, groupBy, type TableRow } from './tables';

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

/** Calls one try can make: a lookup (or its share of one group listing), a create, and a lookup after a 400/409 refusal. */
export const CALLS_PER_TRY = 3;

export function checkCampaign(run: CampaignRun): CampaignReport {
  const { plan, config } = run;
  const maxAttempts = config.maxAttemptsPerDelivery;
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
  const deliveriesOf = groupBy(run.deliveries, (delivery) => delivery.messageId);
  const requestDeliveriesOf = groupBy(run.deliveries, (delivery) => delivery.originalMessageId ?? delivery.messageId);

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

  // Deliveries.
  const overDelivered = [...deliveriesOf]
    .filter(([, list]) => list.length > config.maxReceiveCount)
    .map(([id, list]) => `${id}: ${list.length} deliveries`);
  check(
    'no message delivered again while a handler still works on it (visibility timeout > function timeout)',
    String(run.overlappingDeliveries.length),
    '0',
    run.overlappingDeliveries.map((id) => `${id} delivered while in progress`),
  );
  check(
    'no message delivered more than MAX_RECEIVE_COUNT times',
    `at most ${Math.max(0, ...[...deliveriesOf.values()].map((list) => list.length))}`,
    `≤ ${config.maxReceiveCount}`,
    overDelivered,
  );

  // Bounds on calls, derived from the code (see CALLS_PER_TRY).
  const creates = run.calls.filter((call) => call.method === 'POST' && call.path === '/v1/connections');
  const createsByKey = groupBy(creates, (call) => {
    const body = call.body as { group_id?: string; config?: { schema?: string } } | undefined;
    return `${body?.group_id}/${body?.config?.schema}`;
  });
  const createProblems: string[] = [];
  let maxCreates = 0;
  for (const request of plan.requests) {
    const key = `${request.groupId}/${request.schema}`;
    const count = createsByKey.get(key)?.length ?? 0;
    maxCreates = Math.max(maxCreates, count);
    const deliveries = (messagesOf.get(request.requestId) ?? []).reduce((sum, id) => sum + (requestDeliveriesOf.get(id)?.length ?? 0), 0);
    if (count > maxAttempts * deliveries) createProblems.push(`${key}: ${count} creates for ${deliveries} deliveries`);
  }
  check(
    'create calls per connection ≤ MAX_ATTEMPTS_PER_DELIVERY × deliveries of its request',
    `max ${maxCreates} for one (group, schema)`,
    `≤ ${maxAttempts} × deliveries (≤ ${maxAttempts * config.maxReceiveCount} per message)`,
    createProblems,
  );
  const callBound = CALLS_PER_TRY * maxAttempts * run.deliveries.length;
  const aPriori = CALLS_PER_TRY * maxAttempts * config.maxReceiveCount * run.messageIds.length;
  check(
    'Fivetran calls in all ≤ 3 × MAX_ATTEMPTS_PER_DELIVERY × deliveries',
    `${run.calls.length} calls for ${run.deliveries.length} deliveries`,
    `≤ ${callBound} (a priori ≤ ${aPriori})`,
    run.calls.length <= callBound ? [] : [`${run.calls.length} calls exceed ${callBound}`],
  );
  check(
    'responses of the sandbox that broke the API contract',
    String(run.contractViolations),
    '0',
    run.contractViolations === 0 ? [] : [`${run.contractViolations} contract violations`],
  );
  check(
    'batches failed as a whole (the handler threw)',
    String(run.batchErrors),
    '0',
    run.batchErrors === 0 ? [] : [`${run.batchErrors} batches failed as a whole`],
  );

  // Facts.
  const outcomes = countBy(provisioned, (event) => String(detail(event).outcome));
  const codes = countBy(failed, (event) => String(detail(event).errorCode));
  fact('outcomes', `${describeCounts(outcomes)}; failures: ${describeCounts(codes)}; dead-lettered ${deadLettered.size}`);
  fact('faults injected by the sandbox', describeFaults(run.calls));
  fact(
    'deliveries',
    `${run.deliveries.length} for ${run.messageIds.length} messages (max receive count ${Math.max(0, ...run.deliveries.map((d) => d.receiveCount))})`,
  );
  fact(
    'Fivetran calls',
    `${run.calls.length}: ${creates.length} creates, ${run.calls.length - creates.length} lookups/listings; ${(run.calls.length / Math.max(1, provisioned.length)).toFixed(2)} per Connection Provisioned`,
  );
  fact(
    'dead letters by their last fault',
    describeCounts(
      countBy(exhaustedEvents, (event) => {
        const text = String(detail(event).message);
        if (text.includes('Fivetran asked to wait longer')) return 'waiting out a Retry-After longer than the invocation';
        if (text.includes(`/${OUTAGE_GROUP}/`)) return 'the outage group';
        return /the last fault was (\w+)/.exec(text)?.[1] ?? 'unknown';
      }),
    ),
  );
  fact('records handed back to the queue, by reason', describeCounts(new Map(Object.entries(run.handBacks))));
  fact('wall time', `${(run.wallMs / 1000).toFixed(1)} s`);
  return { rows, violations };
}
