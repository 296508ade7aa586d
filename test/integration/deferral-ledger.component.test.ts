import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFERRED_LOG_MESSAGE } from '../../functions/provision/deferral';
import { DEFERRAL_NOT_FORGOTTEN_LOG_MESSAGE } from '../../functions/provision/deferral-ledger';
import { type LocalLedger, startLocalLedger } from '../../local/world/ledger';
import { CREDENTIALS_PREFIX, type Pipeline, startPipeline } from '../../local/world/pipeline';
import type { Ledger } from '../../shared/ledger/ledger';
import { ProvisioningError } from '../../shared/runtime/errors';

/**
 * The worker notes a deferred create in the ledger (DynamoDB on dynalite) for
 * the backfill, once the deferred message is on the queue, and removes the
 * note when the request is dead-lettered. The note is worth less than the
 * request: a ledger that fails on it costs the note, never the request or its event.
 */
const GROUP = 'group_dl';
const SECRET = `${CREDENTIALS_PREFIX}${GROUP}/team`;
const unavailable = () => new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger table did not answer in time');
let failDeferrals = false;
let failRemovals = false;

let local: LocalLedger;
let pipeline: Pipeline;
beforeAll(async () => {
  local = await startLocalLedger();
  const ledger: Ledger = {
    ...local.ledger,
    async recordRequest(entry, options) {
      if (failDeferrals && entry.status === 'deferred') throw unavailable();
      return local.ledger.recordRequest(entry, options);
    },
    async forgetDeferral(requestId, sqsMessageId, options) {
      if (failRemovals) throw unavailable();
      return local.ledger.forgetDeferral(requestId, sqsMessageId, options);
    },
  };
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
  await local?.close();
});
beforeEach(() => {
  pipeline.sandbox.clearFaults();
  failDeferrals = false;
  failRemovals = false;
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
  for (let round = 0; round < 6 && (await local.ledger.getRequest(requestId))?.status !== 'succeeded'; round += 1)
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
    expect(await local.ledger.getRequest('req-deferral-ledger-1')).toMatchObject({
      status: 'deferred',
      action: 'create',
      notBefore: hop!.notBefore,
      waitingSince: hop!.waitingSince,
    });
    // and once it comes back and is created, succeeded
    await pollUntilCreated('req-deferral-ledger-1');
    expect(await local.ledger.getRequest('req-deferral-ledger-1')).toMatchObject({ status: 'succeeded', outcome: 'created' });
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
    expect(await local.ledger.getRequest('req-deferral-ledger-2')).toBeUndefined();
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

describe('the deferral note of a request dead-lettered later', () => {
  /** Defers request `n` once by a 429, then fails its creates with 503 until its deliveries (MAX_RECEIVE_COUNT 2) are spent. */
  const deferThenExhaust = async (n: number) => {
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 2, times: 1 });
    const [sent] = await pipeline.send([{ body: body(n) }]);
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    const noted = await local.ledger.getRequest(`req-deferral-ledger-${n}`);
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 503, times: Infinity });
    for (let delivery = 0; delivery < 2; delivery += 1) {
      let report = await pipeline.pollOnce(5);
      for (let round = 0; round < 3 && report.received === 0; round += 1) report = await pipeline.pollOnce(5);
      expect(report).toEqual({ received: 1, failed: 1, deleted: 0 });
    }
    const events = pipeline.events().filter((event) => (event.detail as { requestId?: string }).requestId === `req-deferral-ledger-${n}`);
    return { sent: sent!, noted, errorCodes: events.map((event) => (event.detail as { errorCode?: string }).errorCode) };
  };

  it('is removed once the request fails with RETRIES_EXHAUSTED, and no outcome is written in its place', async () => {
    // given a request deferred once, then failing with 503 on every delivery
    const { noted, errorCodes } = await deferThenExhaust(3);

    // then the note was there while it waited, RETRIES_EXHAUSTED went out on the last delivery, and the ledger has no entry left
    expect(noted?.status).toBe('deferred');
    expect(errorCodes).toEqual(['RETRIES_EXHAUSTED']);
    expect(await local.ledger.getRequest('req-deferral-ledger-3')).toBeUndefined();
  });

  it('costs only the note when the ledger fails on its removal: the event is published and the record dead-lettered', async () => {
    // given a ledger that fails on every removal of a deferral note
    failRemovals = true;
    const { sent, errorCodes } = await deferThenExhaust(4);

    // then RETRIES_EXHAUSTED went out, the note stays, the fault is logged, and SQS dead-letters the record
    expect(errorCodes).toEqual(['RETRIES_EXHAUSTED']);
    expect((await local.ledger.getRequest('req-deferral-ledger-4'))?.status).toBe('deferred');
    expect(logged(DEFERRAL_NOT_FORGOTTEN_LOG_MESSAGE)).toEqual([
      expect.objectContaining({ errorCode: 'LEDGER_UNAVAILABLE', level: 'WARN' }),
    ]);
    await pipeline.pollOnce(5);
    expect((await pipeline.readDeadLetters()).map((letter) => letter.originalMessageId)).toContain(sent);
  });
});
