import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { earliestTry, planDeferral } from '../../../functions/provision/deferral';
import type { RecordProcessorDeps } from '../../../functions/provision/process-record';
import { DEFERRAL_ATTRIBUTES, deferralAttributes, readDeferral } from '../../../shared/contracts/deferral';
import { ProvisioningError } from '../../../shared/runtime/errors';

const NOW = Date.UTC(2026, 10, 30, 12);
const HOUR_MS = 3_600_000;
const attributes = (values: Record<string, string>): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { dataType: 'String', stringValue: value }]),
  ) as SQSMessageAttributes;
const record = (messageId: string, receiveCount = '1', messageAttributes: SQSMessageAttributes = {}): SQSRecord =>
  ({ messageId, body: '{}', messageAttributes, attributes: { ApproximateReceiveCount: receiveCount } }) as unknown as SQSRecord;
const deferred = {
  [DEFERRAL_ATTRIBUTES.originalMessageId]: 'm-original',
  [DEFERRAL_ATTRIBUTES.notBefore]: String(NOW + 1_000),
  [DEFERRAL_ATTRIBUTES.waitingSince]: String(NOW - HOUR_MS),
  [DEFERRAL_ATTRIBUTES.hops]: '2',
  [DEFERRAL_ATTRIBUTES.deliveries]: '3',
};

describe('readDeferral', () => {
  it('reads what a deferral wrote', () => {
    expect(readDeferral(attributes(deferred), NOW)).toEqual({
      originalMessageId: 'm-original',
      notBefore: NOW + 1_000,
      waitingSince: NOW - HOUR_MS,
      hops: 2,
      deliveries: 3,
    });
  });

  it('treats a record without deferral attributes, or with malformed ones, as a fresh request', () => {
    expect(readDeferral(undefined, NOW)).toBeUndefined();
    expect(readDeferral(attributes({ requestSchemaVersion: '1' }), NOW)).toBeUndefined();
    expect(readDeferral(attributes({ ...deferred, [DEFERRAL_ATTRIBUTES.notBefore]: 'soon' }), NOW)).toBeUndefined();
    expect(readDeferral(attributes({ ...deferred, [DEFERRAL_ATTRIBUTES.waitingSince]: '-5' }), NOW)).toBeUndefined();
    expect(readDeferral(attributes({ ...deferred, [DEFERRAL_ATTRIBUTES.originalMessageId]: '<script>' }), NOW)).toBeUndefined();
    expect(readDeferral(attributes({ ...deferred, [DEFERRAL_ATTRIBUTES.notBefore]: '1e400' }), NOW)).toBeUndefined();
  });

  it('reads a waitingSince in the future as now, so a forged one cannot make a request wait forever', () => {
    expect(
      readDeferral(attributes({ ...deferred, [DEFERRAL_ATTRIBUTES.waitingSince]: String(NOW + 1_000 * HOUR_MS) }), NOW)?.waitingSince,
    ).toBe(NOW);
  });
});

describe('deferralAttributes', () => {
  it("keeps the record's own attributes and replaces an earlier deferral's", () => {
    const written = deferralAttributes(attributes({ requestSchemaVersion: '1', ...deferred }), {
      originalMessageId: 'm-original',
      notBefore: NOW + 5_000,
      waitingSince: NOW - HOUR_MS,
      hops: 3,
      deliveries: 4,
    });
    expect(written).toEqual({
      requestSchemaVersion: { DataType: 'String', StringValue: '1' },
      [DEFERRAL_ATTRIBUTES.originalMessageId]: { DataType: 'String', StringValue: 'm-original' },
      [DEFERRAL_ATTRIBUTES.notBefore]: { DataType: 'Number', StringValue: String(NOW + 5_000) },
      [DEFERRAL_ATTRIBUTES.waitingSince]: { DataType: 'Number', StringValue: String(NOW - HOUR_MS) },
      [DEFERRAL_ATTRIBUTES.hops]: { DataType: 'Number', StringValue: '3' },
      [DEFERRAL_ATTRIBUTES.deliveries]: { DataType: 'Number', StringValue: '4' },
    });
  });
});

describe('a reserved creation slot on the queue', () => {
  it('travels with the deferral and is read back, so the request takes no second slot in its window', () => {
    const state = {
      originalMessageId: 'm-1',
      notBefore: NOW + 5_000,
      waitingSince: NOW,
      hops: 1,
      deliveries: 1,
      slot: { opensAt: NOW + 4_000, index: 7 },
    };
    const written = deferralAttributes(undefined, state);
    const asRecord = Object.fromEntries(
      Object.entries(written).map(([name, value]) => [name, { dataType: value.DataType, stringValue: value.StringValue }]),
    ) as SQSMessageAttributes;
    expect(readDeferral(asRecord, NOW)).toEqual(state);
    for (const forged of ['yes', '12', `${NOW}:0`, `${NOW}:-1`, `-5:3`, `${NOW}:1e400`])
      expect(readDeferral(attributes({ ...deferred, [DEFERRAL_ATTRIBUTES.slot]: forged }), NOW)?.slot).toBeUndefined();
  });

  it('plans whole milliseconds whatever time it is given, so the request is read back as deferred, not as a fresh one', () => {
    const plan = planDeferral(record('m-1'), undefined, { now: NOW + 0.25, maxDeferralMs: HOUR_MS, notBefore: NOW + 5_000.4 });
    if (plan.kind !== 'defer') throw new Error('expected a deferral');
    expect(plan.next.notBefore).toBe(NOW + 5_001);
    const written = deferralAttributes(undefined, plan.next);
    const asRecord = Object.fromEntries(
      Object.entries(written).map(([name, value]) => [name, { dataType: value.DataType, stringValue: value.StringValue }]),
    ) as SQSMessageAttributes;
    expect(readDeferral(asRecord, NOW)?.originalMessageId).toBe('m-1');
  });

  it('is planned into the next deferral when the slot was reserved', () => {
    const slot = { opensAt: NOW + 5_000, index: 2 };
    const plan = planDeferral(record('m-1'), undefined, { now: NOW, maxDeferralMs: HOUR_MS, notBefore: NOW + 5_000, slot });
    expect(plan).toMatchObject({ kind: 'defer', next: { slot } });
  });
});

describe("a sender's many attributes", () => {
  it("keeps SQS's ten-attribute limit: the schema version stays, the sender's others go, last first", () => {
    // Given a request sent with the schema version last among nine attributes of its own
    const own = attributes({
      ...Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`sender.${index}`, `v${index}`])),
      requestSchemaVersion: '1',
    });
    // When it is deferred with every deferral attribute
    const written = deferralAttributes(own, {
      originalMessageId: 'm-1',
      notBefore: NOW,
      waitingSince: NOW,
      hops: 1,
      deliveries: 1,
      knownAbsent: true,
      slot: { opensAt: NOW, index: 1 },
    });
    // Then the message has ten attributes: the deferral's seven, the schema version and the sender's first two
    expect(Object.keys(written)).toHaveLength(10);
    expect(written.requestSchemaVersion).toEqual({ DataType: 'String', StringValue: '1' });
    expect(Object.keys(written).filter((name) => name.startsWith('sender.'))).toEqual(['sender.0', 'sender.1']);
    expect(Object.keys(written).filter((name) => name.startsWith('deferral.'))).toHaveLength(7);
  });
});

describe('planDeferral', () => {
  const facts = { now: NOW, maxDeferralMs: 48 * HOUR_MS };

  it('defers a fresh request for its wait, naming its own message and counting this delivery', () => {
    const plan = planDeferral(record('m-1', '3'), undefined, { ...facts, notBefore: NOW + 5_000 });
    expect(plan).toEqual({
      kind: 'defer',
      delaySeconds: 5,
      next: { originalMessageId: 'm-1', notBefore: NOW + 5_000, waitingSince: NOW, hops: 1, deliveries: 3 },
    });
  });

  it('caps the delay at 900 s for a longer wait, so the request hops again, and keeps the first message and the start of the wait', () => {
    const state = readDeferral(attributes(deferred), NOW)!;
    const plan = planDeferral(record('m-3'), state, { ...facts, notBefore: NOW + HOUR_MS });
    expect(plan).toMatchObject({
      kind: 'defer',
      delaySeconds: 900,
      next: { originalMessageId: 'm-original', notBefore: NOW + HOUR_MS, waitingSince: NOW - HOUR_MS, hops: 3, deliveries: 4 },
    });
  });

  it('rounds the delay to the nearest second, so the request comes back at most half a second off its time', () => {
    const early = planDeferral(record('m-1'), undefined, { ...facts, notBefore: NOW + 6_400 });
    expect(early).toMatchObject({ delaySeconds: 6, next: { notBefore: NOW + 6_400 } });
    const late = planDeferral(record('m-1'), undefined, { ...facts, notBefore: NOW + 6_600 });
    expect(late).toMatchObject({ delaySeconds: 7, next: { notBefore: NOW + 6_600 } });
    const soon = planDeferral(record('m-1'), undefined, { ...facts, notBefore: NOW + 200 });
    expect(soon).toMatchObject({ delaySeconds: 1 });
  });

  it('gives up once the request has waited MAX_DEFERRAL_HOURS, by age, whatever the number of hops', () => {
    const state = { originalMessageId: 'm-original', notBefore: NOW, waitingSince: NOW - 48 * HOUR_MS, hops: 1, deliveries: 1 };
    expect(planDeferral(record('m-9'), state, { ...facts, notBefore: NOW + 1_000 })).toEqual({ kind: 'give up', waitedMs: 48 * HOUR_MS });
    expect(
      planDeferral(record('m-9'), { ...state, waitingSince: NOW - 47 * HOUR_MS, hops: 500 }, { ...facts, notBefore: NOW + 1_000 }).kind,
    ).toBe('defer');
  });
});

describe('earliestTry', () => {
  const rateLimited = (retryAfterSeconds?: number) =>
    new ProvisioningError('FIVETRAN_RATE_LIMITED', 'wait', retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  const gateReopening = (at: number) => ({ rateGate: { reopensAt: () => at } }) as unknown as RecordProcessorDeps;

  it("takes the closed gate's moment to the millisecond over the Retry-After it rounded up to whole seconds", () => {
    expect(earliestTry(rateLimited(3), undefined, gateReopening(NOW + 2_150), NOW)).toBe(NOW + 2_150);
  });

  it('keeps the time of a request that came back before it', () => {
    const state = { originalMessageId: 'm-1', notBefore: NOW + 400_000, waitingSince: NOW - 1_000, hops: 1, deliveries: 1 };
    expect(earliestTry(rateLimited(401), state, gateReopening(0), NOW)).toBe(NOW + 400_000);
  });

  it("falls back to Retry-After with an open gate, and to a minute, Fivetran's shortest window, without one", () => {
    expect(earliestTry(rateLimited(5), undefined, gateReopening(NOW - 1), NOW)).toBe(NOW + 5_000);
    expect(earliestTry(rateLimited(), undefined, {} as RecordProcessorDeps, NOW)).toBe(NOW + 60_000);
  });
});
