import * as z from 'zod/mini';
import '../runtime/zod-setup';
import { ProvisioningError } from '../runtime/errors';
import type { FivetranApiKey } from './client';

const apiKeySecretSchema = z.object({ apiKey: z.string().check(z.minLength(1)), apiSecret: z.string().check(z.minLength(1)) });

/**
 * Checks the Fivetran API key secret's value. A missing or malformed key is a
 * fault of the deployment, not of the request: it is retried until an
 * operator fixes it, and the records wait in the queue meanwhile.
 */
export function parseApiKeySecret(secretId: string, value: unknown): FivetranApiKey {
  const parsed = apiKeySecretSchema.safeParse(value);
  if (!parsed.success) {
    throw new ProvisioningError(
      'API_KEY_UNAVAILABLE',
      `The Fivetran API key secret ${secretId} must hold JSON {"apiKey": "...", "apiSecret": "..."}; fix it (records are retried meanwhile)`,
    );
  }
  return parsed.data;
}

/** Explains why the API key secret could not be read, from the error middy hands on. */
export function apiKeyUnavailable(secretId: string, error: unknown): ProvisioningError {
  const causes = (error as { cause?: { data?: unknown[] } } | undefined)?.cause?.data;
  const first = Array.isArray(causes) ? causes[0] : error;
  const name = first instanceof Error ? first.name : 'UnknownError';
  return new ProvisioningError(
    'API_KEY_UNAVAILABLE',
    `Could not read the Fivetran API key secret ${secretId} (${name}); records are retried until it can be read`,
    { cause: error },
  );
}
