import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AWS_CLIENT_TIMEOUTS } from '../../shared/aws/aws-calls';
import { createDynamoDbLedger } from '../../shared/ledger/dynamodb-ledger';
import { readSettings } from '../../shared/runtime/settings';
import { createHandler } from './create-handler';

/**
 * The provisioning Lambda: SQS batch in, Fivetran connections created or
 * changed, outcomes on EventBridge. Configuration is read once, at cold
 * start; a bad setting fails here, naming the variable. The ledger is used
 * when LEDGER_TABLE_NAME names its table.
 */
const settings = readSettings('provision');
const ledger =
  settings.ledgerTableName === undefined
    ? undefined
    : createDynamoDbLedger({ client: new DynamoDBClient(AWS_CLIENT_TIMEOUTS), tableName: settings.ledgerTableName });

export const handler = createHandler(settings, {}, ledger);
