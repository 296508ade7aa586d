import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isTimeUp, untilDeadline } from '../aws/aws-calls';
import { ProvisioningError } from '../runtime/errors';
import { createDynamoDbBudgetSchedule } from './budget-schedule';
import {
  AUTH_KINDS,
  type AuthKind,
  CONNECTION_STATES,
  type ConnectionEntry,
  type ConnectionState,
  LEDGER_TABLE_LAYOUT,
  type Ledger,
  type LedgerCallOptions,
  REQUEST_STATUSES,
  type RequestEntry,
  type RequestStatus,
  requestKeyOf,
} from './ledger';

export interface DynamoDbLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => number;
}

type Item = Record<string, AttributeValue>;

const { partitionKey: PK, secretIndex } = LEDGER_TABLE_LAYOUT;
/** A query or scan that never ends (a lying endpoint) stops here: thousands of connections per secret is far past any real use. */
const MAX_PAGES = 100;

const requestKey = (requestId: string): Item => ({ [PK]: { S: requestKeyOf(requestId) } });
const connectionKey = (connectionId: string): Item => ({ [PK]: { S: `connection#${connectionId}` } });

/**
 * The ledger in DynamoDB (see ledger.ts for the layout). Every write is one
 * conditional item write: no transactions, so it runs on dynalite too.
 *
 * @example const ledger = createDynamoDbLedger({ client: new DynamoDBClient(AWS_CLIENT_TIMEOUTS), tableName });
 */
export function createDynamoDbLedger(options: DynamoDbLedgerOptions): Ledger {
  const { client, tableName, now = Date.now } = options;
  const isoNow = () => new Date(now()).toISOString();

  async function send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      const name = error instanceof Error ? error.name : 'UnknownError';
      const detail = isTimeUp(error) ? 'did not answer in time' : `failed (${name})`;
      throw new ProvisioningError('LEDGER_UNAVAILABLE', `The ledger table ${tableName} ${detail} on ${what}; will retry`, { cause: error });
    }
  }

  async function conditional(what: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await send(what, call);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  return {
    budget: createDynamoDbBudgetSchedule({ client, tableName }),

    async getRequest(requestId, callOptions = {}) {
      const answer = await send('a request read', () =>
        client.send(
          new GetItemCommand({ TableName: tableName, Key: requestKey(requestId), ConsistentRead: true }),
          untilDeadline(callOptions.deadline),
        ),
      );
      return answer.Item ? requestEntryOf(answer.Item) : undefined;
    },

    async recordRequest(entry, callOptions = {}) {
      // A success is final: a late repeat of a failed try, or a second run, never writes over it. A deferral
      // is news only while nothing else is known: one written late, after its outcome, loses.
      const deferral = entry.status === 'deferred';
      await conditional('a request write', () =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...requestKey(entry.requestId), kind: { S: 'request' }, ...requestItem(entry) },
            ConditionExpression: deferral
              ? 'attribute_not_exists(#pk) OR #status = :deferred'
              : 'attribute_not_exists(#pk) OR #status <> :succeeded',
            ExpressionAttributeNames: { '#pk': PK, '#status': 'status' },
            ExpressionAttributeValues: deferral ? { ':deferred': { S: 'deferred' } } : { ':succeeded': { S: 'succeeded' } },
          }),
          untilDeadline(callOptions.deadline),
        ),
      );
    },

    async getConnection(connectionId, callOptions = {}) {
      const answer = await send('a connection read', () =>
        client.send(
          new GetItemCommand({ TableName: tableName, Key: connectionKey(connectionId), ConsistentRead: true }),
          untilDeadline(callOptions.deadline),
        ),
      );
      return answer.Item ? connectionEntryOf(answer.Item) : undefined;
    },

    async recordConnection(entry, callOptions = {}) {
      await conditional('a connection write', () =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...connectionKey(entry.connectionId), kind: { S: 'connection' }, ...connectionItem(entry) },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
          untilDeadline(callOptions.deadline),
        ),
      );
    },

    recordCredentialsApplied(connectionId, applied, callOptions: LedgerCallOptions = {}) {
      const expected = applied.previousVersionId === undefined ? 'attribute_not_exists(#applied)' : '#applied = :previous';
      return conditional('a credentials version write', () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: connectionKey(connectionId),
            UpdateExpression: 'SET #applied = :version, #secretName = :secretName, #updatedAt = :now',
            ConditionExpression: `attribute_exists(#pk) AND ${expected}`,
            ExpressionAttributeNames: { '#pk': PK, '#applied': 'appliedVersionId', '#secretName': 'secretName', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: {
              ':version': { S: applied.versionId },
              ':secretName': { S: applied.secretName },
              ':now': { S: isoNow() },
              ...(applied.previousVersionId === undefined ? {} : { ':previous': { S: applied.previousVersionId } }),
            },
          }),
          untilDeadline(callOptions.deadline),
        ),
      );
    },

    forgetCredentialsApplied(connectionId, versionId, callOptions: LedgerCallOptions = {}) {
      return conditional('a credentials version removal', () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: connectionKey(connectionId),
            UpdateExpression: 'REMOVE #applied SET #updatedAt = :now',
            ConditionExpression: 'attribute_exists(#pk) AND #applied = :version',
            ExpressionAttributeNames: { '#pk': PK, '#applied': 'appliedVersionId', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: { ':version': { S: versionId }, ':now': { S: isoNow() } },
          }),
          untilDeadline(callOptions.deadline),
        ),
      );
    },

    async setState(connectionId, state, callOptions = {}) {
      // Only a connection the ledger lists: a state for an unknown id would make an entry with no group or schema.
      await conditional('a connection state write', () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: connectionKey(connectionId),
            UpdateExpression: 'SET #state = :state, #updatedAt = :now',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK, '#state': 'state', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: { ':state': { S: state }, ':now': { S: isoNow() } },
          }),
          untilDeadline(callOptions.deadline),
        ),
      );
    },

    async connectionsUsingSecret(secretName, callOptions = {}) {
      const found: ConnectionEntry[] = [];
      let start: Item | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const answer = await send('a query of the connections using a secret', () =>
          client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: secretIndex.name,
              KeyConditionExpression: '#secretName = :secretName',
              ExpressionAttributeNames: { '#secretName': secretIndex.partitionKey },
              ExpressionAttributeValues: { ':secretName': { S: secretName } },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
            untilDeadline(callOptions.deadline),
          ),
        );
        found.push(...(answer.Items ?? []).map(connectionEntryOf));
        start = answer.LastEvaluatedKey;
        if (!start) return found;
      }
      throw new ProvisioningError('LEDGER_UNAVAILABLE', `The ledger query of ${secretName} went past ${MAX_PAGES} pages; will retry`);
    },

    async secretsInUse(callOptions = {}) {
      const names = new Set<string>();
      let start: Item | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        // The index holds only connections with a secret, so this reads those and nothing else.
        const answer = await send('a scan of the secrets in use', () =>
          client.send(
            new ScanCommand({
              TableName: tableName,
              IndexName: secretIndex.name,
              ProjectionExpression: '#secretName, #state',
              ExpressionAttributeNames: { '#secretName': secretIndex.partitionKey, '#state': 'state' },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
            untilDeadline(callOptions.deadline),
          ),
        );
        for (const item of answer.Items ?? []) {
          const state = item.state?.S;
          const name = item[secretIndex.partitionKey]?.S;
          if (name !== undefined && (state === 'active' || state === 'paused')) names.add(name);
        }
        start = answer.LastEvaluatedKey;
        if (!start) return [...names].sort();
      }
      throw new ProvisioningError('LEDGER_UNAVAILABLE', `The ledger scan of secrets went past ${MAX_PAGES} pages; will retry`);
    },
  };
}

function requestItem(entry: RequestEntry): Item {
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

function connectionItem(entry: ConnectionEntry): Item {
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

function requestEntryOf(item: Item): RequestEntry {
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
  const key = text(item, PK);
  return key?.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

function connectionEntryOf(item: Item): ConnectionEntry {
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
