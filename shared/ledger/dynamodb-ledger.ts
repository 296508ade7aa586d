import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
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
import { type ConnectionEntry, LEDGER_TABLE_LAYOUT, type Ledger, type LedgerCallOptions, requestKeyOf } from './ledger';
import { connectionEntryOf, connectionItem, type Item, requestEntryOf, requestItem } from './ledger-items';

export interface DynamoDbLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => number;
}

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

    forgetDeferral(requestId, sqsMessageId, callOptions: LedgerCallOptions = {}) {
      return conditional('a deferral note removal', () =>
        client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: requestKey(requestId),
            ConditionExpression: '#status = :deferred AND #sqsMessageId = :sqsMessageId',
            ExpressionAttributeNames: { '#status': 'status', '#sqsMessageId': 'sqsMessageId' },
            ExpressionAttributeValues: { ':deferred': { S: 'deferred' }, ':sqsMessageId': { S: sqsMessageId } },
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
