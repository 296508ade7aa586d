import type { PublishedEvent } from '../../../local/aws/aws-stand-in';
import { OUTAGE_GROUP } from './campaign';
import type { CampaignRun } from './invariants';
import { countBy, describeCounts, describeFaults, groupBy } from './tables';

/**
 * The checks and facts of a finished campaign about load: how often each
 * message was delivered, how many calls Fivetran received against the bounds
 * the code sets, and what the run did in numbers. checkCampaign
 * (./invariants.ts) calls this after its outcome checks, so these rows come last.
 */

/** Calls one try can make: a lookup (or its share of one group listing), a create, and a lookup after a 400/409 refusal. */
export const CALLS_PER_TRY = 3;

/** How checkCampaign records a row: a check that holds when it lists no problems, or a fact it only reports. */
export interface Ledger {
  check: (name: string, observed: string, required: string, problems: string[]) => void;
  fact: (name: string, observed: string, required?: string) => void;
}

/** What checkCampaign has worked out from the run already and these rows read as well. */
export interface OutcomeIndexes {
  messagesOf: Map<string, string[]>;
  provisioned: PublishedEvent[];
  failed: PublishedEvent[];
  exhaustedEvents: PublishedEvent[];
  deadLettered: Set<string>;
  detail: (event: PublishedEvent) => Record<string, any>;
}

export function checkDeliveriesAndCalls(run: CampaignRun, { check, fact }: Ledger, indexes: OutcomeIndexes): void {
  const { plan, config } = run;
  const maxAttempts = config.maxAttemptsPerDelivery;
  const { messagesOf, provisioned, failed, exhaustedEvents, deadLettered, detail } = indexes;
  const deliveriesOf = groupBy(run.deliveries, (delivery) => delivery.messageId);
  const requestDeliveriesOf = groupBy(run.deliveries, (delivery) => delivery.originalMessageId ?? delivery.messageId);

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
}
