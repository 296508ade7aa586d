import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from '../runtime/retry';
import { untilDeadline } from './aws-calls';

/**
 * The one GetSecretValue of the functions: the secret's string (undefined
 * for a binary secret), abandoned at `deadline` (the SDK rejects with an
 * AbortError, see isTimeUp). SDK errors are thrown as they are; the caller
 * knows whose fault each is.
 *
 * @example await readSecretString(client, 'fivetran/api-key', deadline)
 */
export async function readSecretString(client: SecretsManagerClient, secretId: string, deadline?: Deadline): Promise<string | undefined> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }), untilDeadline(deadline));
  return answer.SecretString;
}
