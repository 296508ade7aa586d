import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED_LOG_MESSAGE } from '../../functions/provision/deferral';
import { CREDENTIALS_PREFIX, type Pipeline, startPipeline } from '../../local/world/pipeline';
import type { Ledger } from '../../shared/ledger/ledger';
import { ProvisioningError } from '../../shared/runtime/errors';
import { memoryLedger } from '../support/memory-ledger';

/**
 * The worker notes a deferred create in the ledger for the backfill, once the
 * deferred message is on the queue. The note is worth less than the request:
 * a ledger that fails on it costs the note, never the request.
 */
const GROUP = 'group_dl';
const SECRET = `${CREDENTIALS_PREFIX}${GROUP}/team`;
const store = memoryLedger();
let failDeferrals = false;
const ledger: Ledger = {
  ...store.ledger,
  async recordRequest(entry, options) {
    if (failDeferrals && entry.status === 'deferred')
      throw new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger table did not answer in time');
    return store.ledger.recordRequest(entry, options);
  },
};

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline({
    groups: [GROUP],
    apiKey: { apiKey: 'fake-key-deferral-ledger', apiSecret: 'fake-secret-deferral-ledger' },
    secrets: { [SECRET]: JSON.stringify({ personal_access_token: 'fake-token-deferral-ledger' }) },
    pollers: 1,
    batchSize: 10,
    functionTimeoutMs: 2_500,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount: 2,
    workerEnv: { FIVETRAN_REQUEST_TIMEOUT_MS: '1000', SAFETY_MARGIN_MS: '1000', MAX_ATTEMPTS_PER_DELIVERY: '2' },
    backoff: { baseDelayMs: 10, maxDelayMs: 50 },
    seed: 7,
    ledger,
  });
});
afterAll(async () => {
  await pipeline?.stop();
});

const body = (n: number) =>
  JSON.stringify({
    requestId: `req-deferral-ledger-${n}`,
    connection: { group_id: GROUP, service: 'gitlab', config: { schema: `gitlab_deferral_ledger_${n}`, auth: 'personal_access_token' } },
    credentialsSecretId: SECRET,
  });
const logged = (message: string) =>
  pipeline.logLines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.message === message ? [entry] : [];
    } catch {
      return [];
    }
  });
const delayed = async () =>
  Number(
    (
      await pipeline.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: pipeline.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
      )
    ).Attributes?.ApproximateNumberOfMessagesDelayed,
  );
const pollUntilCreated = async (requestId: string) => {
  for (let round = 0; round < 6 && (await store.ledger.getRequest(requestId))?.status !== 'succeeded'; round += 1)
    await pipeline.pollOnce(5);
};

describe('the deferral noted in the ledger', () => {
  it('is written with the next try and the wait so far, and the outcome replaces it', async () => {
    // given Fivetran refusing the create with a Retry-After no invocation can wait out
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 2, times: 1 });
    await pipeline.send([{ body: body(1) }]);

    // when the worker defers it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });

    // then the ledger has it deferred until the deferral's own time
    const [hop] = logged(DEFERRED_LOG_MESSAGE);
    expect(await store.ledger.getRequest('req-deferral-ledger-1')).toMatchObject({
      status: 'deferred',
      action: 'create',
      notBefore: hop!.notBefore,
      waitingSince: hop!.waitingSince,
    });
    // and once it comes back and is created, succeeded
    await pollUntilCreated('req-deferral-ledger-1');
    expect(await store.ledger.getRequest('req-deferral-ledger-1')).toMatchObject({ status: 'succeeded', outcome: 'created' });
  });

  it('costs only the note when the ledger fails on it: the request still waits on the queue and is created', async () => {
    // given a ledger that fails on every deferral note, and Fivetran refusing the create once
    failDeferrals = true;
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 2, times: 1 });
    await pipeline.send([{ body: body(2) }]);

    // when the worker defers it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });

    // then the deferred message is on the queue, the note is missing and the fault logged, and the request is created
    expect(await delayed()).toBe(1);
    expect(await store.ledger.getRequest('req-deferral-ledger-2')).toBeUndefined();
    expect(
      logged('Could not note the deferral in the ledger; the request still waits on the queue, but a backfill may enqueue it again'),
    ).toEqual([expect.objectContaining({ errorCode: 'LEDGER_UNAVAILABLE', level: 'WARN' })]);
    await pollUntilCreated('req-deferral-ledger-2');
    const events = pipeline.events().filter((event) => (event.detail as { requestId?: string }).requestId === 'req-deferral-ledger-2');
    expect(events.map((event) => [event.detailType, (event.detail as { outcome?: string }).outcome])).toEqual([
      ['Connection Provisioned', 'created'],
    ]);
    expect(await pipeline.readDeadLetters()).toEqual([]);
  });
});
