import { GetQueueAttributesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFERRED_LOG_MESSAGE } from '../../functions/provision/deferral';
import type { PublishedEvent } from '../../local/aws/aws-stand-in';
import { CREDENTIALS_PREFIX, type Pipeline, type PipelineOptions, startPipeline } from '../../local/world/pipeline';
import { DEFERRAL_ATTRIBUTES } from '../../shared/contracts/deferral';

/**
 * A request that must wait for Fivetran's budget longer than an invocation has
 * is sent back to its own queue with a delay, through the real SQS wire
 * protocol (fauxqs), and the original is acknowledged. An invocation here has
 * 2.5 s, 1 s of it kept back: a Retry-After of 2 s does not fit.
 */
const GROUP = 'group_d';
const SECRET = `${CREDENTIALS_PREFIX}${GROUP}/team-d`;
const HOUR_MS = 3_600_000;

function settings(maxReceiveCount: number): PipelineOptions {
  return {
    groups: [GROUP],
    apiKey: { apiKey: 'fake-key-deferral', apiSecret: 'fake-secret-deferral' },
    secrets: { [SECRET]: JSON.stringify({ personal_access_token: 'fake-token-deferral' }) },
    pollers: 1,
    batchSize: 10,
    functionTimeoutMs: 2_500,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount,
    workerEnv: { FIVETRAN_REQUEST_TIMEOUT_MS: '1000', SAFETY_MARGIN_MS: '1000', MAX_ATTEMPTS_PER_DELIVERY: '2' },
    backoff: { baseDelayMs: 10, maxDelayMs: 50 },
    seed: 13,
  };
}

let sequence = 0;
const request = () => {
  sequence += 1;
  return JSON.stringify({
    requestId: `req-deferral-${sequence}`,
    connection: { group_id: GROUP, service: 'gitlab', config: { schema: `gitlab_deferral_${sequence}`, auth: 'personal_access_token' } },
    credentialsSecretId: SECRET,
  });
};
const detailOf = (event: PublishedEvent) => event.detail as Record<string, unknown>;
const eventsFor = (pipeline: Pipeline, messageId: string) =>
  pipeline.events().filter((event) => detailOf(event).sqsMessageId === messageId);
const deferralsOf = (pipeline: Pipeline, messageId: string) =>
  pipeline.logLines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.message === DEFERRED_LOG_MESSAGE && entry.sqsMessageId === messageId ? [entry] : [];
    } catch {
      return [];
    }
  });
const delayedCount = async (pipeline: Pipeline) => {
  const answer = await pipeline.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: pipeline.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
  );
  return Number(answer.Attributes?.ApproximateNumberOfMessagesDelayed);
};
/** Polls until a batch arrives (a deferred message comes back after its delay), at most `rounds` polls of up to 5 s. */
const pollUntilReceived = async (pipeline: Pipeline, rounds = 4) => {
  for (let round = 0; round < rounds; round += 1) {
    const report = await pipeline.pollOnce(5);
    if (report.received > 0) return report;
  }
  throw new Error('no message came back');
};

describe('deferring a rate-limited request on its queue', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(settings(2));
  });
  afterAll(async () => {
    await pipeline?.stop();
  });
  beforeEach(async () => {
    await pipeline.sqs.send(new PurgeQueueCommand({ QueueUrl: pipeline.queueUrl }));
  });

  it('defers across several hops, spends no receive on the waits, and announces the outcome under the message id it was sent as', async () => {
    // given Fivetran refusing the first two creates with a Retry-After longer than an invocation
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 2, times: 2 });
    const callsBefore = pipeline.sandbox.calls.length;
    const [sent] = await pipeline.send([{ body: request() }]);
    // when the record is delivered, deferred, and comes back twice
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    expect(await pollUntilReceived(pipeline)).toEqual({ received: 1, failed: 0, deleted: 1 });
    expect(await pollUntilReceived(pipeline)).toEqual({ received: 1, failed: 0, deleted: 1 });
    // then it was deferred twice, each hop a new message carrying the original id, and then created
    const hops = deferralsOf(pipeline, sent!);
    expect(hops.map((hop) => [hop.hops, hop.deliveries])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const deliveries = pipeline.deliveries.filter((delivery) => (delivery.originalMessageId ?? delivery.messageId) === sent);
    expect(deliveries.map((delivery) => [delivery.messageId, delivery.receiveCount])).toEqual([
      [sent, 1],
      [hops[0]!.sentAs, 1],
      [hops[1]!.sentAs, 1],
    ]);
    expect(eventsFor(pipeline, sent!).map((event) => [event.detailType, detailOf(event).outcome])).toEqual([
      ['Connection Provisioned', 'created'],
    ]);
    expect(await pipeline.readDeadLetters()).toEqual([]);
    // and only the first delivery looked the schema up: a clean 429 leaves nothing of unknown fate, so the hops create at once
    const calls = pipeline.sandbox.calls.slice(callsBefore).map((call) => `${call.method} ${call.path} ${call.status}`);
    expect(calls).toEqual([
      `GET /v1/groups/${GROUP}/connections 200`,
      'POST /v1/connections 429',
      'POST /v1/connections 429',
      'POST /v1/connections 201',
    ]);
  });

  it('makes no Fivetran call for a request delivered before its time, and defers it again, at most 900 s at a time', async () => {
    // given a request deferred for an hour, delivered now
    const now = Date.now();
    const callsBefore = pipeline.sandbox.calls.length;
    const [sent] = await pipeline.send([
      {
        body: request(),
        attributes: {
          [DEFERRAL_ATTRIBUTES.originalMessageId]: 'first-message-of-the-request',
          [DEFERRAL_ATTRIBUTES.notBefore]: String(now + HOUR_MS),
          [DEFERRAL_ATTRIBUTES.waitingSince]: String(now - 60_000),
          [DEFERRAL_ATTRIBUTES.hops]: '3',
          [DEFERRAL_ATTRIBUTES.deliveries]: '3',
        },
      },
    ]);
    // when the handler gets it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    // then Fivetran was not called, no event was published, and it waits on as a new, delayed message
    expect(pipeline.sandbox.calls.length).toBe(callsBefore);
    expect(eventsFor(pipeline, 'first-message-of-the-request')).toEqual([]);
    expect(eventsFor(pipeline, sent!)).toEqual([]);
    const [hop] = deferralsOf(pipeline, 'first-message-of-the-request');
    expect([hop?.hops, hop?.delaySeconds, hop?.waitingSince]).toEqual([4, 900, new Date(now - 60_000).toISOString()]);
    expect(await delayedCount(pipeline)).toBe(1);
  });

  it(`gives up with RATE_LIMIT_WAIT_EXCEEDED once a request has waited longer than MAX_DEFERRAL_HOURS, and acknowledges it`, async () => {
    // given a request that has waited 49 hours (MAX_DEFERRAL_HOURS is 48), and Fivetran still refusing for an hour
    const now = Date.now();
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 3600 });
    await pipeline.send([
      {
        body: request(),
        attributes: {
          [DEFERRAL_ATTRIBUTES.originalMessageId]: 'message-that-waited-too-long',
          [DEFERRAL_ATTRIBUTES.notBefore]: String(now - 1_000),
          [DEFERRAL_ATTRIBUTES.waitingSince]: String(now - 49 * HOUR_MS),
        },
      },
    ]);
    // when the handler gets it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    // then it ends with a non-retryable failure naming the message it first came as, and waits no more
    const events = eventsFor(pipeline, 'message-that-waited-too-long');
    expect(events.map((event) => [event.detailType, detailOf(event).errorCode, detailOf(event).retryable])).toEqual([
      ['Connection Provisioning Failed', 'RATE_LIMIT_WAIT_EXCEEDED', false],
    ]);
    expect(String(detailOf(events[0]!).message)).toMatch(/MAX_DEFERRAL_HOURS \(48\)/);
    expect(deferralsOf(pipeline, 'message-that-waited-too-long')).toEqual([]);
    expect(await delayedCount(pipeline)).toBe(0);
  });
});

describe('a real fault after a deferral', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(settings(2));
  });
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('is still dead-lettered after MAX_RECEIVE_COUNT deliveries, with RETRIES_EXHAUSTED under the message id it was sent as', async () => {
    // given a request deferred once by a 429, whose creates then fail with 503 every time
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 429, retryAfterSeconds: 2 });
    const [sent] = await pipeline.send([{ body: request() }]);
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    pipeline.sandbox.injectFault({ method: 'POST', path: '/v1/connections', kind: 'status', status: 503, times: Infinity });
    // when the deferred message comes back MAX_RECEIVE_COUNT (2) times
    expect(await pollUntilReceived(pipeline)).toEqual({ received: 1, failed: 1, deleted: 0 });
    expect(await pollUntilReceived(pipeline)).toEqual({ received: 1, failed: 1, deleted: 0 });
    await pipeline.pollOnce(5);
    // then the 503s were not deferred, the last delivery published RETRIES_EXHAUSTED, and SQS dead-lettered it
    expect(deferralsOf(pipeline, sent!)).toHaveLength(1);
    expect(eventsFor(pipeline, sent!).map((event) => [detailOf(event).errorCode, detailOf(event).retryable])).toEqual([
      ['RETRIES_EXHAUSTED', true],
    ]);
    const letters = await pipeline.readDeadLetters();
    expect(letters.map((letter) => letter.originalMessageId)).toEqual([sent]);
    expect(letters[0]!.messageId).toBe(deferralsOf(pipeline, sent!)[0]!.sentAs);
  });
});
