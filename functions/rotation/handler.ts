import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AWS_CLIENT_TIMEOUTS } from '../../shared/aws/aws-calls';
import { createDynamoDbLedger } from '../../shared/ledger/dynamodb-ledger';
import { ConfigurationError } from '../../shared/runtime/errors';
import { readSettings } from '../../shared/runtime/settings';
import { createHandler } from './create-handler';

/**
 * The rotation fan-out Lambda: Secrets Manager's `Secret Label Updated` in,
 * reapply_credentials requests on the provisioning queue out. Configuration is
 * read once, at cold start; a bad setting fails here, naming the variable.
 */
const settings = readSettings('rotation');
if (settings.ledgerTableName === undefined) {
  throw new ConfigurationError(
    'Invalid configuration: LEDGER_TABLE_NAME is required: the rotation fan-out finds connections in the ledger',
  );
}
export const handler = createHandler(settings, {
  ledger: createDynamoDbLedger({ client: new DynamoDBClient(AWS_CLIENT_TIMEOUTS), tableName: settings.ledgerTableName }),
});
