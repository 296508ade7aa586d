import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isTimeUp } from '../../shared/aws/aws-calls';
import { describeSecret, readSecret } from '../../shared/aws/secrets';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';
import type { SecretCache } from '../../shared/runtime/secret-cache';
import { type GitlabCredentials, readCredentialsSecret } from './credentials';

/** Secrets Manager answers that mean the reference itself is wrong: fixing the request is the way out. */
const REFERENCE_FAULTS = new Set(['ResourceNotFoundException', 'InvalidParameterException', 'InvalidRequestException']);

/** Credentials as read, with where they came from: what the ledger records as applied. */
export interface CredentialsVersion {
  credentials: GitlabCredentials;
  /** The secret's friendly name (never an ARN); the reference given when Secrets Manager did not say. */
  secretName: string;
  /** The version the values were read from, when Secrets Manager said it. */
  versionId: string | undefined;
  /** Keys of a managed rotation secret that were ignored (counted, never named). */
  ignoredKeys: number;
}

export interface CredentialsStore {
  /** The credentials, through the cache; a read Secrets Manager has not answered by `deadline` is abandoned (SECRETS_UNAVAILABLE). */
  get(secretId: string, options?: { deadline?: Deadline }): Promise<CredentialsVersion>;
  /** The secret's name and its AWSCURRENT version id, without reading a value (DescribeSecret, never cached). */
  current(secretId: string, options?: { deadline?: Deadline }): Promise<{ secretName: string; currentVersionId: string | undefined }>;
  /** The credentials of one version, bypassing the cache: re-applying after a rotation must not meet the old value. */
  getVersion(secretId: string, versionId: string, options?: { deadline?: Deadline }): Promise<CredentialsVersion>;
}

/**
 * Reads GitLab credentials secrets: creates through the function's secret
 * cache (one Secrets Manager call per secret per cache period however many
 * records name it), re-applies uncached, by version.
 */
export function createCredentialsStore(secrets: SecretCache, client: SecretsManagerClient): CredentialsStore {
  const coded = async <T>(secretId: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      // A secret that was read but is not valid credentials is already coded (CREDENTIALS_INVALID).
      if (error instanceof ProvisioningError) throw error;
      throw secretsManagerFault(error, `credentials secret ${secretId}`);
    }
  };
  return {
    get: (secretId, options = {}) =>
      coded(secretId, async () => {
        const read = await secrets.readVersioned(secretId, (secretString) => readCredentialsSecret(secretId, secretString), options);
        return { ...read.value, secretName: read.name ?? secretId, versionId: read.versionId };
      }),
    current: (secretId, options = {}) =>
      coded(secretId, async () => {
        const described = await describeSecret(client, secretId, options.deadline);
        return { secretName: described.name ?? secretId, currentVersionId: described.currentVersionId };
      }),
    getVersion: (secretId, versionId, options = {}) =>
      coded(secretId, async () => {
        const read = await readSecret(client, secretId, options.deadline, { versionId });
        return {
          ...readCredentialsSecret(secretId, read.secretString),
          secretName: read.name ?? secretId,
          versionId: read.versionId ?? versionId,
        };
      }),
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
