import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createDynamoDbLedger } from '../../shared/ledger/dynamodb-ledger';
import { LEDGER_TABLE_LAYOUT, type Ledger } from '../../shared/ledger/ledger';
import { onPort } from './ports';

/** The ledger's DynamoDB, on loopback: dynalite, in memory (conditional writes, indexes and queries as DynamoDB has them). */
export interface LocalLedger {
  /** What AWS_ENDPOINT_URL_DYNAMODB is set to for a function that reads the ledger. */
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  ledger: Ledger;
  close(): Promise<void>;
}

/** Local credentials: dynalite checks that a request is signed, not by whom. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts dynalite on 127.0.0.1 (`port` 0: a free one) and creates the ledger
 * table as the stack does (infra), from LEDGER_TABLE_LAYOUT.
 *
 * @example const local = await startLocalLedger(); process.env.LEDGER_TABLE_NAME = local.tableName;
 */
export async function startLocalLedger(options: { port?: number; tableName?: string; region?: string } = {}): Promise<LocalLedger> {
  const { port = 0, tableName = 'fivetran-provisioner-ledger', region = 'us-east-1' } = options;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await onPort(
    'the ledger (DynamoDB)',
    port,
    () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
  );
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
  const close = async () => {
    client.destroy();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await createLedgerTable(client, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, tableName, client, ledger: createDynamoDbLedger({ client, tableName }), close };
}

/** Creates the ledger table (on demand, with the `bySecret` index; no Time To Live: dynalite has none, and a local run is short); one that exists already is kept. */
export async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, secretIndex } = LEDGER_TABLE_LAYOUT;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: secretIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: secretIndex.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: secretIndex.name,
            KeySchema: [
              { AttributeName: secretIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: secretIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
