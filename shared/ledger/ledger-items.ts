import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  AUTH_KINDS,
  type AuthKind,
  CONNECTION_STATES,
  type ConnectionEntry,
  type ConnectionState,
  LEDGER_TABLE_LAYOUT,
  REQUEST_STATUSES,
  type RequestEntry,
  type RequestStatus,
} from './ledger';

/**
 * The ledger's entries as DynamoDB items and back. Items are read back as the
 * ledger wrote them; an attribute that is missing or of the wrong kind (a hand
 * edit) reads as absent, or as the safest value, rather than as a lie.
 */

export type Item = Record<string, AttributeValue>;

export function requestItem(entry: RequestEntry): Item {
  return {
    requestId: { S: entry.requestId },
    action: { S: entry.action },
    status: { S: entry.status },
    sqsMessageId: { S: entry.sqsMessageId },
    recordedAt: { S: entry.recordedAt },
    ...(entry.connectionId === undefined ? {} : { connectionId: { S: entry.connectionId } }),
    ...(entry.outcome === undefined ? {} : { outcome: { S: entry.outcome } }),
    ...(entry.errorCode === undefined ? {} : { errorCode: { S: entry.errorCode } }),
    ...(entry.publishedEvent === undefined ? {} : { publishedEvent: { S: JSON.stringify(entry.publishedEvent) } }),
    ...(entry.notBefore === undefined ? {} : { notBefore: { S: entry.notBefore } }),
    ...(entry.waitingSince === undefined ? {} : { waitingSince: { S: entry.waitingSince } }),
  };
}

export function connectionItem(entry: ConnectionEntry): Item {
  return {
    connectionId: { S: entry.connectionId },
    groupId: { S: entry.groupId },
    schema: { S: entry.schema },
    service: { S: entry.service },
    authKind: { S: entry.authKind },
    state: { S: entry.state },
    createdByRequestId: { S: entry.createdByRequestId },
    updatedAt: { S: entry.updatedAt },
    ...(entry.secretName === undefined ? {} : { secretName: { S: entry.secretName } }),
    ...(entry.appliedVersionId === undefined ? {} : { appliedVersionId: { S: entry.appliedVersionId } }),
  };
}

/** Items are read back as the ledger wrote them; a field of the wrong kind (a hand edit) reads as absent rather than as a lie. */
function text(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

export function requestEntryOf(item: Item): RequestEntry {
  const connectionId = text(item, 'connectionId');
  const outcome = text(item, 'outcome');
  const errorCode = text(item, 'errorCode');
  const publishedEvent = storedEvent(text(item, 'publishedEvent'));
  const notBefore = text(item, 'notBefore');
  const waitingSince = text(item, 'waitingSince');
  return {
    requestId: idOfKey(item, 'request#') ?? text(item, 'requestId') ?? '',
    action: (text(item, 'action') ?? 'create') as RequestEntry['action'],
    status: requestStatusOf(item),
    sqsMessageId: text(item, 'sqsMessageId') ?? '',
    recordedAt: text(item, 'recordedAt') ?? '',
    ...(connectionId === undefined ? {} : { connectionId }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(errorCode === undefined ? {} : { errorCode: errorCode as NonNullable<RequestEntry['errorCode']> }),
    ...(publishedEvent === undefined ? {} : { publishedEvent }),
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(waitingSince === undefined ? {} : { waitingSince }),
  };
}

/** The item's status; anything else (a hand edit) reads as failed, as it always has. */
function requestStatusOf(item: Item): RequestStatus {
  const status = text(item, 'status');
  return (REQUEST_STATUSES as readonly string[]).includes(status ?? '') ? (status as RequestStatus) : 'failed';
}

/** The stored event, or undefined when the item holds none or something that is not one (a hand edit). */
function storedEvent(json: string | undefined): RequestEntry['publishedEvent'] {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null) return undefined;
    const { detailType, detail } = value as { detailType?: unknown; detail?: unknown };
    return typeof detailType === 'string' && typeof detail === 'object' && detail !== null ? { detailType, detail } : undefined;
  } catch {
    return undefined;
  }
}

/** The id after the key's `connection#`/`request#` prefix: what an item is, whatever its other attributes say. */
function idOfKey(item: Item, prefix: string): string | undefined {
  const key = text(item, LEDGER_TABLE_LAYOUT.partitionKey);
  return key?.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

export function connectionEntryOf(item: Item): ConnectionEntry {
  const secretName = text(item, 'secretName');
  const appliedVersionId = text(item, 'appliedVersionId');
  const state = text(item, 'state');
  const authKind = text(item, 'authKind');
  return {
    connectionId: idOfKey(item, 'connection#') ?? text(item, 'connectionId') ?? '',
    groupId: text(item, 'groupId') ?? '',
    schema: text(item, 'schema') ?? '',
    service: 'gitlab',
    authKind: (AUTH_KINDS as readonly string[]).includes(authKind ?? '') ? (authKind as AuthKind) : 'personal_access_token',
    state: (CONNECTION_STATES as readonly string[]).includes(state ?? '') ? (state as ConnectionState) : 'active',
    createdByRequestId: text(item, 'createdByRequestId') ?? '',
    updatedAt: text(item, 'updatedAt') ?? '',
    ...(secretName === undefined ? {} : { secretName }),
    ...(appliedVersionId === undefined ? {} : { appliedVersionId }),
  };
}
