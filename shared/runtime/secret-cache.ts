import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeadlineReached, settleBefore } from '../aws/aws-calls';
import { readSecret } from '../aws/secrets';
import type { Deadline } from './retry';

/**
 * The secrets a function reads (the Fivetran API key, GitLab credentials),
 * cached per container. One instance per handler, created with it: no
 * module state, so two copies of a package can never hold two caches.
 */
export interface SecretCache {
  /**
   * The secret, parsed: one GetSecretValue per id per TTL, however many
   * records ask; concurrent reads share one call; a failed read or parse is
   * not kept. No caller waits past its `deadline` (the call is abandoned
   * there too, and rejects with an AbortError or DeadlineReached). A given
   * id is always read with the same `parse`.
   */
  read<T>(secretId: string, parse: (secretString: string | undefined) => T, options?: { deadline?: Deadline }): Promise<T>;
  /** As `read`, with the secret's friendly name and the version id the value was read from (what the ledger records). */
  readVersioned<T>(
    secretId: string,
    parse: (secretString: string | undefined) => T,
    options?: { deadline?: Deadline },
  ): Promise<VersionedSecret<T>>;
  /** Drops one secret, so the next read calls Secrets Manager (after Fivetran refused the API key). */
  forget(secretId: string): void;
  /** Drops every secret (tests that need the next read to be a call). */
  clear(): void;
}

/** A parsed secret with the name and version it came from (undefined where Secrets Manager did not say). */
export interface VersionedSecret<T> {
  value: T;
  name: string | undefined;
  versionId: string | undefined;
}

export interface SecretCacheOptions {
  client: SecretsManagerClient;
  /** How long a read secret is used before it is read again; 0 keeps nothing past the read itself. */
  ttlMs: number;
  now?: () => number;
}

/** @example const secrets = createSecretCache({ client: new SecretsManagerClient(AWS_CLIENT_TIMEOUTS), ttlMs: 300_000 }); */
export function createSecretCache(options: SecretCacheOptions): SecretCache {
  const { client, ttlMs, now = Date.now } = options;
  const entries = new Map<string, { value: Promise<VersionedSecret<unknown>>; readAt: number; pending: boolean }>();

  const readVersioned = <T>(
    secretId: string,
    parse: (secretString: string | undefined) => T,
    readOptions: { deadline?: Deadline } = {},
  ): Promise<VersionedSecret<T>> => {
    const { deadline } = readOptions;
    let entry = entries.get(secretId);
    // A read in flight is shared whatever the TTL; a settled one is used until the TTL runs out.
    const fresh = entry !== undefined && (entry.pending || now() - entry.readAt < ttlMs);
    if (!fresh) {
      const started = {
        value: readSecret(client, secretId, deadline).then((read) => ({
          value: parse(read.secretString),
          name: read.name,
          versionId: read.versionId,
        })) as Promise<VersionedSecret<unknown>>,
        readAt: now(),
        pending: true,
      };
      entries.set(secretId, started);
      started.value.then(
        () => {
          started.pending = false;
        },
        () => {
          if (entries.get(secretId) === started) entries.delete(secretId);
        },
      );
      entry = started;
    }
    const value = entry!.value as Promise<VersionedSecret<T>>;
    if (deadline === undefined) return value;
    // A read another record started may be bound by a later deadline than this caller's.
    return settleBefore(value, deadline, () => {
      if (entries.get(secretId) === entry) entries.delete(secretId);
      return new DeadlineReached(`Secrets Manager did not answer the read of ${secretId} before the deadline`);
    });
  };

  return {
    readVersioned,
    async read(secretId, parse, readOptions) {
      return (await readVersioned(secretId, parse, readOptions)).value;
    },
    forget(secretId) {
      entries.delete(secretId);
    },
    clear() {
      entries.clear();
    },
  };
}
