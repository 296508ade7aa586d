import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../local/aws/aws-stand-in';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX, type Pipeline, type PipelineOptions, startPipeline } from '../../local/world/pipeline';

/**
 * The handler through the real AWS SDK over HTTP, with dependencies that hang
 * or lie: the Secrets Manager / EventBridge stand-in holds calls open or
 * answers falsely, and an interposer in front of fauxqs holds SQS calls open.
 * A hung call that were not bounded would hold the batch until the test
 * timed out; so every test here that gets its batch report back shows the
 * batch answered, with unfinished records handed back and finished ones
 * acknowledged.
 */
const GROUP = 'group_a';
const secretOf = (name: string) => `${CREDENTIALS_PREFIX}${GROUP}/${name}`;

function settings(maxReceiveCount: number): PipelineOptions {
  return {
    groups: [GROUP],
    apiKey: { apiKey: 'fake-key-hung', apiSecret: 'fake-secret-hung-dependencies' },
    secrets: {
      [secretOf('team-ok')]: JSON.stringify({ personal_access_token: 'fake-token-ok' }),
      [secretOf('team-stuck')]: JSON.stringify({ personal_access_token: 'fake-token-stuck' }),
    },
    pollers: 1,
    batchSize: 10,
    // 2.5 s an invocation, 1 s of it kept back: Secrets Manager and Fivetran stop at 1.5 s, publishing and SQS at 2.3 s.
    functionTimeoutMs: 2_500,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount,
    workerEnv: { FIVETRAN_REQUEST_TIMEOUT_MS: '1000', SAFETY_MARGIN_MS: '1000', MAX_ATTEMPTS_PER_DELIVERY: '2' },
    backoff: { baseDelayMs: 10, maxDelayMs: 50 },
    seed: 10,
    interpose: true,
  };
}

let sequence = 0;
const request = (secret: string, schema = `gitlab_hung_${++sequence}`) =>
  JSON.stringify({
    requestId: `req-${schema}`,
    connection: { group_id: GROUP, service: 'gitlab', config: { schema, auth: 'personal_access_token' } },
    credentialsSecretId: secretOf(secret),
  });
const detailOf = (event: PublishedEvent) => event.detail as Record<string, unknown>;
const eventsFor = (pipeline: Pipeline, messageId: string) =>
  pipeline.events().filter((event) => detailOf(event).sqsMessageId === messageId);
const logEntries = (pipeline: Pipeline) =>
  pipeline.logLines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

describe('dependencies that hang or lie, before the last delivery', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(settings(3));
  });
  afterAll(async () => {
    await pipeline?.stop();
  });
  beforeEach(async () => {
    // Each test starts with an empty queue: records an earlier test handed back must not reach this one.
    await pipeline.sqs.send(new PurgeQueueCommand({ QueueUrl: pipeline.queueUrl }));
    pipeline.interposers!.sqs.use(() => 'forward');
    pipeline.sandbox.clearFaults();
  });

  it('answers the batch when a credentials read hangs: that record goes back, the other is provisioned and acknowledged', async () => {
    // given a batch of two records, and Secrets Manager holding one of their secrets' reads open for ever
    pipeline.aws.hangNext('GetSecretValue', 1, (input) => input.SecretId === secretOf('team-stuck'));
    const [stuck, ok] = await pipeline.send([{ body: request('team-stuck') }, { body: request('team-ok') }]);
    // when the handler gets the batch
    const report = await pipeline.pollOnce();
    // then it answered: the stuck record is handed back, the other acknowledged with its event
    expect(report).toEqual({ received: 2, failed: 1, deleted: 1 });
    expect(pipeline.aws.hung).toBe(1);
    expect(eventsFor(pipeline, stuck!)).toEqual([]);
    expect(eventsFor(pipeline, ok!).map((event) => [event.detailType, detailOf(event).outcome])).toEqual([
      ['Connection Provisioned', 'created'],
    ]);
    const handedBack = logEntries(pipeline).find((entry) => entry.sqsMessageId === stuck && entry.errorCode === 'SECRETS_UNAVAILABLE');
    expect(handedBack?.reason).toMatch(/did not answer the read of the credentials secret .* in time/);
  });

  it('answers the batch when the API key read hangs, still settles an invalid record, and reads the key afresh next time', async () => {
    // given no API key cached, and its next read held open
    pipeline.forgetSecrets();
    pipeline.aws.hangNext('GetSecretValue', 1, (input) => input.SecretId === API_KEY_SECRET_ID);
    const [waiting, invalid] = await pipeline.send([{ body: request('team-ok') }, { body: '{"requestId": "not-a-request"}' }]);
    // when the handler gets the batch
    const report = await pipeline.pollOnce();
    // then the record that needs the key goes back, and the invalid one is refused and acknowledged
    expect(report).toEqual({ received: 2, failed: 1, deleted: 1 });
    expect(eventsFor(pipeline, waiting!)).toEqual([]);
    expect(eventsFor(pipeline, invalid!).map((event) => detailOf(event).errorCode)).toEqual(['INVALID_REQUEST']);
    // and when the record comes back, the key is read again (not the hung read waited for) and it is provisioned
    const readsBefore = pipeline.aws.secretReads.filter((id) => id === API_KEY_SECRET_ID).length;
    expect(await pipeline.pollOnce(5)).toEqual({ received: 1, failed: 0, deleted: 1 });
    expect(pipeline.aws.secretReads.filter((id) => id === API_KEY_SECRET_ID).length).toBe(readsBefore + 1);
    expect(eventsFor(pipeline, waiting!).map((event) => detailOf(event).outcome)).toEqual(['created']);
  });

  it('hands back a record whose event PutEvents never answered, and its next delivery publishes already_exists under the same message id', async () => {
    // given EventBridge holding the first PutEvents open
    pipeline.aws.hangNext('PutEvents', 1);
    const [first] = await pipeline.send([{ body: request('team-ok') }]);
    // when the handler gets it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 1, deleted: 0 });
    // then the connection exists but no event was published, and the record comes back
    expect(eventsFor(pipeline, first!)).toEqual([]);
    expect(await pipeline.pollOnce(5)).toEqual({ received: 1, failed: 0, deleted: 1 });
    expect(eventsFor(pipeline, first!).map((event) => [detailOf(event).outcome, detailOf(event).attempts])).toEqual([
      ['already_exists', 1],
    ]);
  });

  it('never takes PutEvents at its word: a failure that names no entry, or an answer without EventIds, leaves the record unacknowledged', async () => {
    // given EventBridge answering every try of one publish with a failure that names no entry, then with no entries at all
    pipeline.aws.answerNext('PutEvents', { FailedEntryCount: 1, Entries: [{}] }, 2);
    pipeline.aws.answerNext('PutEvents', { FailedEntryCount: 0, Entries: [] }, 2);
    const [record] = await pipeline.send([{ body: request('team-ok') }]);
    // when the handler gets it
    const report = await pipeline.pollOnce();
    // then no event was published for it, and it goes back to the queue instead of being acknowledged
    expect(report).toEqual({ received: 1, failed: 1, deleted: 0 });
    expect(eventsFor(pipeline, record!)).toEqual([]);
    const failure = logEntries(pipeline).find((entry) => entry.sqsMessageId === record && entry.errorCode === 'EVENT_PUBLISH_FAILED');
    expect(failure?.reason).toMatch(/PutEvents refused 1 event\(s\) \(no EventId\)/);
  });

  it('answers the batch and hands the record back when deferring it and changing its visibility both hang after a long Retry-After', async () => {
    // given Fivetran rate-limiting for an hour, and SQS holding every re-send and visibility change open
    pipeline.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 3600 });
    const [limited] = await pipeline.send([{ body: request('team-ok') }]);
    pipeline.interposers!.sqs.use((call) =>
      call.target === 'AmazonSQS.ChangeMessageVisibility' || call.target === 'AmazonSQS.SendMessage' ? 'hang' : 'forward',
    );
    // when the handler gets it
    const report = await pipeline.pollOnce();
    // then it answered, the record handed back (never acknowledged unsent), although its visibility could not be changed
    expect(report).toEqual({ received: 1, failed: 1, deleted: 0 });
    // the re-send held to the settle deadline; the visibility change, left no time, was not even sent
    expect(pipeline.interposers!.sqs.hung).toBe(1);
    expect(
      logEntries(pipeline).some(
        (entry) =>
          entry.sqsMessageId === limited && entry.message === 'Could not defer the request on the queue; the record goes back itself',
      ),
    ).toBe(true);
    expect(
      logEntries(pipeline).some((entry) => entry.sqsMessageId === limited && entry.message === 'Could not change the record visibility'),
    ).toBe(true);
    expect(pipeline.batchErrors).toEqual([]);
  });
});

describe('dependencies that hang, on the last delivery', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(settings(1));
  });
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('publishes RETRIES_EXHAUSTED for the record stuck behind a hung read and dead-letters it alone; the provisioned record is acknowledged', async () => {
    // given a last delivery of two records, one of whose secrets Secrets Manager never returns
    pipeline.aws.hangNext('GetSecretValue', 1, (input) => input.SecretId === secretOf('team-stuck'));
    const [stuck, ok] = await pipeline.send([{ body: request('team-stuck') }, { body: request('team-ok') }]);
    // when the handler gets the batch
    expect(await pipeline.pollOnce()).toEqual({ received: 2, failed: 1, deleted: 1 });
    // then each message has exactly one terminal event
    expect(eventsFor(pipeline, stuck!).map((event) => [detailOf(event).errorCode, detailOf(event).retryable])).toEqual([
      ['RETRIES_EXHAUSTED', true],
    ]);
    expect(String(detailOf(eventsFor(pipeline, stuck!)[0]!).message)).toMatch(/last fault was SECRETS_UNAVAILABLE/);
    expect(eventsFor(pipeline, ok!).map((event) => event.detailType)).toEqual(['Connection Provisioned']);
    // and once its visibility runs out, only the stuck record is in the dead-letter queue
    expect(await pipeline.pollOnce(5)).toMatchObject({ received: 0 });
    expect((await pipeline.readDeadLetters()).map((letter) => letter.messageId)).toEqual([stuck]);
  });

  it('answers a batch in which everything outside hangs: Secrets Manager, Fivetran, EventBridge and SQS', async () => {
    // given every dependency holding its calls open, and no secret cached
    pipeline.forgetSecrets();
    pipeline.aws.hangNext('GetSecretValue', 10);
    pipeline.aws.hangNext('PutEvents', 10);
    pipeline.interposers!.fivetran.use(() => 'hang');
    pipeline.interposers!.sqs.use((call) =>
      call.target === 'AmazonSQS.ChangeMessageVisibility' || call.target === 'AmazonSQS.GetQueueUrl' ? 'hang' : 'forward',
    );
    await pipeline.send([{ body: request('team-ok') }, { body: request('team-stuck') }, { body: '{}' }]);
    // when the handler gets the batch
    const report = await pipeline.pollOnce();
    // then it still answered, handing back every record it could not finish
    expect(report).toEqual({ received: 3, failed: 3, deleted: 0 });
    expect(pipeline.batchErrors).toEqual([]);
    expect(pipeline.aws.hung).toBeGreaterThanOrEqual(2);
  });
});
