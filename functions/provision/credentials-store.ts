import { isTimeUp } from '../../shared/aws/aws-calls';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';
import type { SecretCache } from '../../shared/runtime/secret-cache';
import { type GitlabCredentials, parseCredentialsSecret } from './credentials';

/** Secrets Manager answers that mean the reference itself is wrong: fixing the request is the way out. */
const REFERENCE_FAULTS = new Set(['ResourceNotFoundException', 'InvalidParameterException', 'InvalidRequestException']);

export interface CredentialsStore {
  /** The credentials; a read Secrets Manager has not answered by `deadline` is abandoned (SECRETS_UNAVAILABLE). */
  get(secretId: string, options?: { deadline?: Deadline }): Promise<GitlabCredentials>;
}

/**
 * Reads GitLab credentials secrets through the function's secret cache: one
 * Secrets Manager call per secret per cache period however many records name it.
 */
export function createCredentialsStore(secrets: SecretCache): CredentialsStore {
  return {
    async get(secretId, options = {}) {
      try {
        return await secrets.read(secretId, (secretString) => parseCredentialsSecret(secretId, secretString), options);
      } catch (error) {
        // A secret that was read but is not valid credentials is already coded (CREDENTIALS_INVALID).
        if (error instanceof ProvisioningError) throw error;
        throw secretsManagerFault(error, `credentials secret ${secretId}`);
      }
    },
  };
}

/**
 * Turns a Secrets Manager error into a coded fault. A missing secret is the
 * requester's to fix; throttling, outages and access or key problems are
 * ours, so they are retried and never acknowledged.
 */
export function secretsManagerFault(error: unknown, what: string): ProvisioningError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  if (isTimeUp(error)) {
    return new ProvisioningError(
      'SECRETS_UNAVAILABLE',
      `Secrets Manager did not answer the read of the ${what} in time (${name}); will retry`,
      {
        cause: error,
      },
    );
  }
  if (REFERENCE_FAULTS.has(name)) {
    return new ProvisioningError(
      'CREDENTIALS_NOT_FOUND',
      `The ${what} was not found or cannot be read (${name}); create it, or fix credentialsSecretId`,
      { cause: error },
    );
  }
  return new ProvisioningError('SECRETS_UNAVAILABLE', `Could not read the ${what} (${name}); will retry`, { cause: error });
}
