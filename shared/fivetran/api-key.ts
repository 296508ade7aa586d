import * as z from 'zod/mini';
import '../runtime/zod-setup';
import { isTimeUp } from '../aws/aws-calls';
import { ProvisioningError } from '../runtime/errors';
import type { FivetranApiKey } from './client';

const apiKeySecretSchema = z.object({ apiKey: z.string().check(z.minLength(1)), apiSecret: z.string().check(z.minLength(1)) });

/**
 * Reads the Fivetran API key secret's string. A missing or malformed key is a
 * fault of the deployment, not of the request: it is retried until an
 * operator fixes it, and the records wait in the queue meanwhile. The
 * message never repeats the secret's contents.
 */
export function parseApiKeySecret(secretId: string, secretString: string | undefined): FivetranApiKey {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    value = undefined;
  }
  const parsed = apiKeySecretSchema.safeParse(value);
  if (!parsed.success) {
    throw new ProvisioningError(
      'API_KEY_UNAVAILABLE',
      `The Fivetran API key secret ${secretId} must hold JSON {"apiKey": "...", "apiSecret": "..."}; fix it (records are retried meanwhile)`,
    );
  }
  return parsed.data;
}

/** Explains why the API key secret could not be read, from the Secrets Manager error (or the deadline that ended the wait). */
export function apiKeyUnavailable(secretId: string, error: unknown): ProvisioningError {
  if (isTimeUp(error)) {
    return new ProvisioningError(
      'API_KEY_UNAVAILABLE',
      'Secrets Manager did not answer the read of the Fivetran API key before the invocation had to end; will retry',
      { cause: error },
    );
  }
  const name = error instanceof Error ? error.name : 'UnknownError';
  return new ProvisioningError(
    'API_KEY_UNAVAILABLE',
    `Could not read the Fivetran API key secret ${secretId} (${name}); records are retried until it can be read`,
    { cause: error },
  );
}
