import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_SECRET_ID, GROUP_CREDENTIALS, patRequest } from '../../../local/world/fixtures';
import { DEFERRAL_ATTRIBUTES } from '../../../shared/contracts/deferral';
import { connectionProvisioningFailedDetailSchema } from '../../../shared/contracts/events';
import { failedIds, type Harness, QUEUE_URL, startPatHarness } from '../../support/handler-harness';

/** Transient faults and failed publishing: the record is retried within bounds or handed back, never lost. */
let h: Harness;
beforeEach(async () => (h = await startPatHarness()));
afterEach(() => h.close());

describe('provisioning handler: transient faults are retried and never lost', () => {
  it('retries a 503 and succeeds on the third attempt, with jittered backoff', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503, times: 2 });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    // lookups after each ambiguous 5xx keep a lost success from becoming a duplicate
    expect(h.fivetranCalls().map((call) => call.method)).toEqual(['GET', 'POST', 'GET', 'POST', 'GET', 'POST']);
    expect(h.sleeps).toEqual([150, 300]);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'created', attempts: 3 });
  });

  it('does not create a duplicate when a create succeeded but answered 500', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'created-then-500' });
    await h.invoke([h.record(patRequest())]);
    expect(h.sandbox.connections()).toHaveLength(1);
    expect(h.fivetranCalls('POST')).toHaveLength(1);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'already_exists', attempts: 2 });
  });

  it('does not create a duplicate when the connection dropped after the create was applied', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'created-then-drop' });
    await h.invoke([h.record(patRequest())]);
    expect(h.sandbox.connections()).toHaveLength(1);
    expect(h.events()[0]!.detail.outcome).toBe('already_exists');
  });

  it('honours a short Retry-After by waiting at least that long', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 2 });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    expect(h.sleeps).toEqual([2_000]);
    // a 429 is a clear "not done": no lookup is needed before trying again
    expect(h.fivetranCalls().map((call) => call.method)).toEqual(['GET', 'POST', 'POST']);
  });

  it('defers a record on a long Retry-After: sends the same body back delayed, with its deferral, and acknowledges the original', async () => {
    // Given a create answered 429 with an hour's wait
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 3600 });
    const record = h.record(patRequest());
    // When the record is handled
    const response = await h.invoke([record]);
    // Then the original is acknowledged, nothing slept, no event, and no visibility change
    expect(failedIds(response)).toEqual([]);
    expect(h.sleeps).toEqual([]);
    expect(h.events()).toEqual([]);
    expect(h.sqs.commandCalls(ChangeMessageVisibilityCommand)).toEqual([]);
    // And the same body went back to its queue for SQS's longest delay, carrying the deferral
    const sends = h.sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sends).toHaveLength(1);
    const sent = sends[0]!;
    expect(sent).toMatchObject({ QueueUrl: QUEUE_URL, MessageBody: record.body, DelaySeconds: 900 });
    const attribute = (name: string) => sent.MessageAttributes?.[name]?.StringValue;
    expect(attribute(DEFERRAL_ATTRIBUTES.originalMessageId)).toBe(record.messageId);
    expect(attribute(DEFERRAL_ATTRIBUTES.hops)).toBe('1');
    expect(attribute(DEFERRAL_ATTRIBUTES.deliveries)).toBe('1');
    expect(Number(attribute(DEFERRAL_ATTRIBUTES.notBefore)) - Number(attribute(DEFERRAL_ATTRIBUTES.waitingSince))).toBe(3_600_000);
    // The lookup before the create found nothing, so the next try may create at once
    expect(attribute(DEFERRAL_ATTRIBUTES.knownAbsent)).toBe('1');
  });

  it('hands the record back hidden for the wait, capped at SQS’s 12 hours, when the queue does not take the deferral', async () => {
    h.sqs.on(SendMessageCommand).rejects(Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' }));
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 429, retryAfterSeconds: 100_000 });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input.VisibilityTimeout).toBe(43_200);
  });

  it('stops retrying before the Lambda deadline minus the safety margin', async () => {
    // given 7 s left, of which 5 s are kept back, and a Fivetran that keeps failing
    h.setRemainingMs(7_000);
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503, times: Infinity });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    // then the record goes back to the queue, and no wait ran past the 2 s budget
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(1_000);
    expect(h.fivetranCalls('POST').length).toBeLessThan(h.config.maxAttemptsPerDelivery);
  });

  it('stops after the bounded number of attempts per delivery', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 502, times: Infinity });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.fivetranCalls('POST')).toHaveLength(h.config.maxAttemptsPerDelivery);
    expect(h.events()).toEqual([]);
  });

  it('treats a refused API key (401) as our own fault: retried, never published as the request’s failure', async () => {
    h.sandbox.injectFault({ kind: 'status', status: 401, times: Infinity });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
  });

  it('publishes RETRIES_EXHAUSTED on the last delivery, then lets the record go to the dead-letter queue', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503, times: Infinity });
    const record = h.record(patRequest(), h.config.maxReceiveCount);
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    const detail = connectionProvisioningFailedDetailSchema.parse(h.events()[0]!.detail);
    expect(detail).toMatchObject({ errorCode: 'RETRIES_EXHAUSTED', retryable: true, fivetran: { status: 503 } });
    expect(detail.message).toMatch(/Gave up after 3 deliveries; the last fault was FIVETRAN_UNAVAILABLE/);
  });

  it('keeps records waiting when the API key secret is missing, but still settles invalid ones', async () => {
    h.setSecret(API_KEY_SECRET_ID, undefined);
    const valid = h.record(patRequest());
    const invalid = h.record('{');
    const response = await h.invoke([valid, invalid]);
    expect(failedIds(response)).toEqual([valid.messageId]);
    expect(h.events().map((e) => e.detail.errorCode)).toEqual(['INVALID_REQUEST']);
    expect(h.fivetranCalls()).toEqual([]);
  });

  it('publishes RETRIES_EXHAUSTED when the API key secret is malformed on the last delivery', async () => {
    h.setSecret(API_KEY_SECRET_ID, { apiKey: 'only-half' });
    const record = h.record(patRequest(), 3);
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()[0]!.detail.message).toMatch(/API_KEY_UNAVAILABLE: The Fivetran API key secret fivetran\/api-key must hold JSON/);
  });

  it('retries a throttled credentials read rather than failing the request', async () => {
    h.secretsManager
      .on(GetSecretValueCommand, { SecretId: `${GROUP_CREDENTIALS}team-a` })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
  });
});

describe('provisioning handler: publishing', () => {
  it('re-sends only the events EventBridge failed to take, and succeeds', async () => {
    h.eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const response = await h.invoke([h.record(patRequest())]);
    expect(failedIds(response)).toEqual([]);
    expect(h.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('hands the record back when its outcome event cannot be published', async () => {
    h.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException' }] });
    const record = h.record(patRequest());
    const response = await h.invoke([record]);
    expect(failedIds(response)).toEqual([record.messageId]);
    // the connection exists; the next delivery will find it and publish already_exists
    expect(h.sandbox.connections()).toHaveLength(1);
  });
});
