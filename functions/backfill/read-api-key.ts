import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseApiKeySecret } from '../../shared/fivetran/api-key';
import type { FivetranApiKey } from '../../shared/fivetran/client';
import { BackfillError } from './errors';

/**
 * Reads the worker's Fivetran API key secret (`{"apiKey","apiSecret"}`) for a
 * run that lists groups. Read once per invocation, not cached: a run is a few
 * invocations, and a rotated key is then picked up by the next one. Any fault
 * stops the run (API_KEY_UNAVAILABLE): without the key no group can be listed,
 * and reporting every line as failed would bury the one cause.
 *
 * @example const apiKey = await readApiKey(secretsManager, 'fivetran/api-key');
 */
export async function readApiKey(client: SecretsManagerClient, secretId: string): Promise<FivetranApiKey> {
  let secretString: string | undefined;
  try {
    secretString = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'UnknownError';
    throw new BackfillError('API_KEY_UNAVAILABLE', `Could not read the Fivetran API key secret ${secretId} (${name})`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    value = undefined;
  }
  try {
    return parseApiKeySecret(secretId, value);
  } catch (error) {
    // The worker's message says records are retried; a backfill is not, so it gets its own words.
    throw new BackfillError('API_KEY_UNAVAILABLE', `The Fivetran API key secret ${secretId} must hold JSON {"apiKey": "...", "apiSecret": "..."}`, {
      cause: error,
    });
  }
}
