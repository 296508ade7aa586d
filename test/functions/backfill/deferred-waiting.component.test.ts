import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createWorker } from '../../../functions/provision/create-handler';
import { pollOnce } from '../../../local/sqs-poller';
import { patRequest } from '../../../local/world/fixtures';
import { type LocalLedger, startLocalLedger } from '../../../local/world/ledger';
import { queueArnOf } from '../../../local/world/queues';
import { provisionSettings } from '../../../local/world/settings';
import {
  AMPLE_BUDGET_MS,
  type BackfillWorld,
  completedEvents,
  newBackfill,
  putManifest,
  schedule,
  useBackfillWorld,
} from './support/backfill-world';

/**
 * A backfill cannot see a request the worker deferred: the message is delayed
 * on the queue. The worker notes the deferral in the ledger, and the backfill
 * reads it there: such a line is waiting for Fivetran's budget, not missing,
 * and is not sent a second time. Everything is real: fauxqs, the sandbox,
 * dynalite, the worker's and the backfill's handlers over the AWS SDK.
 */
let world: BackfillWorld;
let ledger: LocalLedger;
useBackfillWorld((started) => {
  world = started;
});
beforeAll(async () => {
  ledger = await startLocalLedger();
});
afterAll(async () => {
  await ledger?.close();
});

/** A manifest line, its credentials secret put in the world's Secrets Manager. */
function line(schema: string, groupId: string) {
  const request = patRequest({ schema, groupId });
  world.aws.setSecret(request.credentialsSecretId!, JSON.stringify({ personal_access_token: 'fake-token-budget' }));
  return request;
}

describe('a backfill whose requests wait for Fivetran’s budget', () => {
  it('counts the deferred requests as waiting, enqueues them no second time, and finds them provisioned once created', async () => {
    // given a manifest of two missing schemas, and Fivetran refusing the first two creates with a Retry-After no invocation can wait out
    const backfill = await newBackfill(world, { env: { LEDGER_TABLE_NAME: ledger.tableName, AWS_ENDPOINT_URL_DYNAMODB: ledger.endpoint } });
    await putManifest(world, 'budget.jsonl', [line('gitlab_budget_1', 'team_a_group'), line('gitlab_budget_2', 'team_b_group')]);
    world.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 2, times: 2 });
    const worker = createWorker(
      provisionSettings(world.sandbox.url, {
        FIVETRAN_REQUEST_TIMEOUT_MS: '1000',
        SAFETY_MARGIN_MS: '1000',
        MAX_ATTEMPTS_PER_DELIVERY: '2',
      }),
      { backoff: { baseDelayMs: 10, maxDelayMs: 50 } },
      ledger.ledger,
    ) as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
    const poll = {
      sqs: world.sqs,
      queueUrl: backfill.queueUrl,
      queueArn: await queueArnOf(world.sqs, backfill.queueUrl),
      handler: worker,
      batchSize: 10,
      functionTimeoutMs: 2_500,
    };

    // when the first run enqueues both and the worker defers both
    await backfill.runToEnd(schedule('budget.jsonl'), AMPLE_BUDGET_MS);
    expect(await pollOnce(poll)).toEqual({ received: 2, failed: 0, deleted: 2 });
    const deferred = await Promise.all(['req-gitlab_budget_1', 'req-gitlab_budget_2'].map((id) => ledger.ledger.getRequest(id)));
    expect(deferred.map((entry) => entry?.status)).toEqual(['deferred', 'deferred']);
    // and a second run starts while they wait
    await backfill.runToEnd(schedule('budget.jsonl'), AMPLE_BUDGET_MS);

    // then it reports them waiting for Fivetran's budget, from the soonest next try, and sent nothing
    const soonest = deferred.map((entry) => entry!.notBefore!).sort()[0];
    const [first, second] = completedEvents(world).slice(-2);
    expect(first).toMatchObject({ counts: { lines: 2, enqueued: 2, waiting: 0 } });
    expect(first!.waiting).toBeUndefined();
    expect(second).toMatchObject({
      status: 'completed',
      counts: { lines: 2, waiting: 2, enqueued: 0, failedToEnqueue: 0 },
      failedLines: [],
      waiting: { reason: "waiting for Fivetran's budget", soonestNotBefore: soonest },
    });
    expect(backfill.queuedRequests()).toEqual([]);

    // when the deferred requests come back and are created
    for (let round = 0; round < 6 && world.sandbox.connections().length < 2; round += 1) await pollOnce({ ...poll, waitTimeSeconds: 5 });
    // then the ledger holds their outcomes, and a third run finds both provisioned, and none waiting
    const outcomes = await Promise.all(['req-gitlab_budget_1', 'req-gitlab_budget_2'].map((id) => ledger.ledger.getRequest(id)));
    expect(outcomes.map((entry) => entry?.status)).toEqual(['succeeded', 'succeeded']);
    await backfill.runToEnd(schedule('budget.jsonl'), AMPLE_BUDGET_MS);
    expect(completedEvents(world).at(-1)).toMatchObject({ counts: { lines: 2, alreadyProvisioned: 2, waiting: 0, enqueued: 0 } });
    expect(backfill.queuedRequests()).toEqual([]);
  });
});
