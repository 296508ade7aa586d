import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../../local/aws/aws-stand-in';
import { progressOf, type SentRequest } from '../../../local/run/outcomes';

const event = (detailType: string, detail: Record<string, unknown>): PublishedEvent => ({
  id: 'e',
  time: '2026-01-01T00:00:00Z',
  eventBusName: 'bus',
  source: 'fivetran.provisioner',
  detailType,
  detail,
  account: '000000000000',
  region: 'us-east-1',
  resources: [],
});
const provisioned = (requestId: string, outcome: string) =>
  event('Connection Provisioned', { requestId, outcome, connectionId: `c-${outcome}`, attempts: 1 });
const failed = (requestId: string, errorCode: string) =>
  event('Connection Provisioning Failed', { requestId, errorCode, message: `${errorCode} happened`, attempts: 2, sqsMessageId: 'm-1' });
const sent = (sinceEvent = 0): SentRequest => ({ requestId: 'r-1', messageId: 'm-1', sinceEvent });

describe('outcome of a sent request', () => {
  it('is settled by its Connection Provisioned event', () => {
    expect(progressOf(sent(), [provisioned('other', 'created'), provisioned('r-1', 'created')], [])).toEqual({
      state: 'settled',
      settled: { outcome: 'created', connectionId: 'c-created', attempts: 1 },
    });
  });

  it('ignores events from before it was sent, so a re-send waits for its own', () => {
    const events = [provisioned('r-1', 'created')];
    expect(progressOf(sent(1), events, [])).toEqual({ state: 'waiting' });
    expect(progressOf(sent(1), [...events, provisioned('r-1', 'already_exists')], [])).toMatchObject({
      settled: { outcome: 'already_exists' },
    });
  });

  it('is settled by a request fault with its code', () => {
    expect(progressOf(sent(), [failed('r-1', 'CREDENTIALS_NOT_FOUND')], [])).toEqual({
      state: 'settled',
      settled: { outcome: 'CREDENTIALS_NOT_FOUND', message: 'CREDENTIALS_NOT_FOUND happened', attempts: 2 },
    });
  });

  it('waits after RETRIES_EXHAUSTED until the record is in the dead-letter queue', () => {
    const events = [failed('r-1', 'RETRIES_EXHAUSTED')];
    expect(progressOf(sent(), events, [])).toEqual({ state: 'exhausted' });
    expect(progressOf(sent(), events, [{ messageId: 'm-1' }])).toMatchObject({
      state: 'settled',
      settled: { outcome: 'RETRIES_EXHAUSTED', deadLettered: true },
    });
  });

  it('takes RETRIES_EXHAUSTED as final when the dead-letter queue cannot be seen', () => {
    expect(progressOf(sent(), [failed('r-1', 'RETRIES_EXHAUSTED')], undefined)).toMatchObject({
      settled: { outcome: 'RETRIES_EXHAUSTED', deadLettered: false },
    });
  });
});

describe('outcome of a sent lifecycle request', () => {
  it.each([
    ['Connection Updated', {}, 'updated'],
    ['Connection Paused', {}, 'paused'],
    ['Connection Resumed', {}, 'resumed'],
    ['Connection Credentials Applied', {}, 'credentials_applied'],
    ['Connection Decommissioned', { outcome: 'deleted' }, 'deleted'],
    ['Connection Decommissioned', { outcome: 'already_deleted' }, 'already_deleted'],
  ])('is settled by its %s event as %s', (detailType, extra, outcome) => {
    // given the lifecycle event of the request, after an event of another request
    const events = [
      event(detailType, { requestId: 'other', connectionId: 'c-0' }),
      event(detailType, { requestId: 'r-1', connectionId: 'c-1', ...extra }),
    ];
    // then it is settled with the connection it acted on, and no attempts (the event counts none)
    expect(progressOf(sent(), events, [])).toEqual({ state: 'settled', settled: { outcome, connectionId: 'c-1' } });
  });

  it('is settled by a Connection Lifecycle Request Failed event with its code', () => {
    const refused = event('Connection Lifecycle Request Failed', {
      requestId: 'r-1',
      errorCode: 'CONFIRMATION_MISMATCH',
      message: 'not its schema',
      attempts: 0,
    });
    expect(progressOf(sent(), [refused], [])).toEqual({
      state: 'settled',
      settled: { outcome: 'CONFIRMATION_MISMATCH', message: 'not its schema', attempts: 0 },
    });
  });

  it('is not settled by an event of a kind it does not know, even one carrying its requestId', () => {
    expect(progressOf(sent(), [event('Backfill Completed', { requestId: 'r-1', errorCode: 'MANIFEST_UNREADABLE' })], [])).toEqual({
      state: 'waiting',
    });
  });
});
