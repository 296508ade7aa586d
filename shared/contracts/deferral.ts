import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes } from 'aws-lambda';
import { REQUEST_SCHEMA_VERSION_ATTRIBUTE } from './request';

/**
 * The message attributes of a deferred request: the worker sends the same body
 * back to its own queue, with a delay, when the wait for Fivetran's budget does
 * not fit in the invocation. They carry what the new message cannot know by
 * itself: which message the request first came as (events keep naming it),
 * when it may next call Fivetran, since when it has waited, and how often.
 * Times are epoch milliseconds.
 */
export const DEFERRAL_ATTRIBUTES = {
  originalMessageId: 'deferral.originalMessageId',
  notBefore: 'deferral.notBefore',
  waitingSince: 'deferral.waitingSince',
  hops: 'deferral.hops',
  deliveries: 'deferral.deliveries',
  knownAbsent: 'deferral.knownAbsent',
  slot: 'deferral.slot',
} as const;

/** SQS takes at most this many message attributes on a message. */
const MAX_MESSAGE_ATTRIBUTES = 10;

/** A reserved slot of Fivetran's creation budget: its window's opening (epoch ms) and its number in that window, from 1. */
export interface CreationSlot {
  opensAt: number;
  index: number;
}

export interface DeferralState {
  /** The SQS message id the request first arrived as. */
  originalMessageId: string;
  /** No Fivetran call before this. */
  notBefore: number;
  /** When the request first had to wait for Fivetran's budget. */
  waitingSince: number;
  /** Times it was sent back to the queue. */
  hops: number;
  /** Deliveries of the earlier messages of the request, all hops together. */
  deliveries: number;
  /**
   * The last lookup found no connection with the schema, and no create of unknown fate followed: the next try
   * may create at once (Fivetran refuses a duplicate schema, and a refusal is looked up).
   */
  knownAbsent?: boolean;
  /**
   * The slot of Fivetran's creation budget the request holds
   * (functions/provision/shared-spread.ts): its create in that window takes no
   * second one, and goes when the slot of the same number in the window before
   * has aged out.
   */
  slot?: CreationSlot;
}

const MESSAGE_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * The deferral a record carries, or undefined for a request that never waited.
 * Attributes that are missing or malformed count as no deferral: the request is
 * then worked as a fresh one, which costs at most one call that finds the budget
 * still spent. A `waitingSince` in the future is read as now, so that no one can
 * make a request wait forever.
 */
export function readDeferral(attributes: SQSMessageAttributes | undefined, now: number): DeferralState | undefined {
  if (attributes === undefined) return undefined;
  const text = (name: string) => attributes[name]?.stringValue;
  const count = (name: string) => {
    const value = Number(text(name));
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  };
  const originalMessageId = text(DEFERRAL_ATTRIBUTES.originalMessageId);
  const notBefore = count(DEFERRAL_ATTRIBUTES.notBefore);
  const waitingSince = count(DEFERRAL_ATTRIBUTES.waitingSince);
  if (originalMessageId === undefined || !MESSAGE_ID.test(originalMessageId) || notBefore === undefined || waitingSince === undefined)
    return undefined;
  return {
    originalMessageId,
    notBefore,
    waitingSince: Math.min(waitingSince, now),
    hops: count(DEFERRAL_ATTRIBUTES.hops) ?? 1,
    deliveries: count(DEFERRAL_ATTRIBUTES.deliveries) ?? 0,
    ...(text(DEFERRAL_ATTRIBUTES.knownAbsent) === '1' ? { knownAbsent: true } : {}),
    ...slotOf(text(DEFERRAL_ATTRIBUTES.slot)),
  };
}

/** `<opensAt>:<index>` as deferralAttributes writes it; anything else holds no slot (the create then takes one). */
function slotOf(text: string | undefined): { slot: CreationSlot } | Record<string, never> {
  const [opensAt, index] = (text ?? '').split(':').map(Number);
  if (!(Number.isSafeInteger(opensAt) && Number.isSafeInteger(index) && (opensAt as number) >= 0 && (index as number) >= 1)) return {};
  return { slot: { opensAt: opensAt as number, index: index as number } };
}

/**
 * The attributes of the re-sent message: the record's own with the deferral's
 * replacing any earlier one. SQS refuses a message with more than ten, so when
 * the record's own leave too little room the schema version is kept (the
 * worker reads the body by it) and the rest are dropped, last first: a
 * request must not be lost for the attributes of its sender.
 */
export function deferralAttributes(own: SQSMessageAttributes | undefined, state: DeferralState): Record<string, MessageAttributeValue> {
  const ours = new Set<string>(Object.values(DEFERRAL_ATTRIBUTES));
  const number = (value: number): MessageAttributeValue => ({ DataType: 'Number', StringValue: String(value) });
  const deferral: Record<string, MessageAttributeValue> = {
    [DEFERRAL_ATTRIBUTES.originalMessageId]: { DataType: 'String', StringValue: state.originalMessageId },
    [DEFERRAL_ATTRIBUTES.notBefore]: number(state.notBefore),
    [DEFERRAL_ATTRIBUTES.waitingSince]: number(state.waitingSince),
    [DEFERRAL_ATTRIBUTES.hops]: number(state.hops),
    [DEFERRAL_ATTRIBUTES.deliveries]: number(state.deliveries),
    ...(state.knownAbsent === true ? { [DEFERRAL_ATTRIBUTES.knownAbsent]: number(1) } : {}),
    ...(state.slot === undefined
      ? {}
      : { [DEFERRAL_ATTRIBUTES.slot]: { DataType: 'String', StringValue: `${state.slot.opensAt}:${state.slot.index}` } }),
  };
  const room = MAX_MESSAGE_ATTRIBUTES - Object.keys(deferral).length;
  const theirs = Object.entries(own ?? {})
    .filter(([name]) => !ours.has(name))
    .sort(([a], [b]) => Number(b === REQUEST_SCHEMA_VERSION_ATTRIBUTE) - Number(a === REQUEST_SCHEMA_VERSION_ATTRIBUTE));
  const kept: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of theirs) {
    if (Object.keys(kept).length >= room) break;
    if (value.stringValue !== undefined) kept[name] = { DataType: value.dataType, StringValue: value.stringValue };
    else if (value.binaryValue !== undefined)
      kept[name] = { DataType: value.dataType, BinaryValue: Buffer.from(String(value.binaryValue), 'base64') };
  }
  return { ...kept, ...deferral };
}
