import type { MiddlewareObj, Request } from '@middy/core';
import secretsManager from '@middy/secrets-manager';
import { clearCache, getInternal } from '@middy/util';
import type { Context } from 'aws-lambda';
import { apiKeyUnavailable, parseApiKeySecret } from '../../shared/fivetran/api-key';
import type { FivetranApiKey } from '../../shared/fivetran/client';

const defaults = {
  /** Name or ARN of the secret holding `{"apiKey", "apiSecret"}`. */
  secretId: '',
  /** How long a fetched key is used before it is read again, so a rotation is picked up. */
  cacheTtlMs: 300_000,
  cacheKey: 'fivetran-api-key',
  now: Date.now as () => number,
  /** Settings of the Secrets Manager client the read uses (its timeouts). */
  awsClientOptions: {} as Record<string, unknown>,
};
export type FivetranApiKeyOptions = Partial<typeof defaults> & { secretId: string };

export type ContextWithApiKey = Context & {
  loadFivetranApiKey?: () => Promise<FivetranApiKey>;
  /** Forgets the cached key, so the next invocation reads it again (Fivetran refused it). */
  forgetFivetranApiKey?: () => void;
};

/**
 * Reads the Fivetran API key with `@middy/secrets-manager` and hands records a
 * lazy loader for it (`context.loadFivetranApiKey`).
 *
 * Two choices keep a key problem from costing data. The key is awaited only by
 * records that reach Fivetran, so a failed read becomes a per-record transient
 * fault (retried, then dead-lettered with its event) while invalid records are
 * still settled. And the cache expires here, at the start of an invocation,
 * instead of through middy's refresh timer: a timer refetches in the
 * background, where a failure would be an unhandled rejection.
 *
 * @example
 * middy(handler).use(fivetranApiKey({ secretId: 'fivetran/api-key', cacheTtlMs: 300_000 }))
 */
export function fivetranApiKey(options: FivetranApiKeyOptions): MiddlewareObj<unknown, unknown, Error, ContextWithApiKey> {
  const { secretId, cacheTtlMs, cacheKey, now, awsClientOptions } = { ...defaults, ...options };
  const fetcher = secretsManager({
    fetchData: { fivetranApiKey: secretId },
    awsClientOptions,
    cacheKey,
    // Never expires inside middy; expiry is decided below.
    cacheExpiry: -1,
    disablePrefetch: true,
  });
  let fetchedAt: number | undefined;

  return {
    async before(request: Request<unknown, unknown, Error, ContextWithApiKey>) {
      if (fetchedAt !== undefined && now() - fetchedAt >= cacheTtlMs) {
        clearCache([cacheKey]);
        fetchedAt = undefined;
      }
      await fetcher.before!(request as Parameters<NonNullable<typeof fetcher.before>>[0]);
      const pending: unknown = (request.internal as Record<string, unknown>).fivetranApiKey;
      if (pending instanceof Promise) {
        fetchedAt ??= now();
        // Marks the read as handled now; the records that need the key await it below.
        pending.catch(() => undefined);
      }
      request.context.forgetFivetranApiKey = () => {
        // A key Fivetran refuses is probably being rotated: read it again next time, not after the TTL.
        clearCache([cacheKey]);
        fetchedAt = undefined;
      };
      let loaded: Promise<FivetranApiKey> | undefined;
      request.context.loadFivetranApiKey = () => {
        loaded ??= getInternal(['fivetranApiKey'], request as Request).then(
          (values) => parseApiKeySecret(secretId, (values as { fivetranApiKey?: unknown }).fivetranApiKey),
          (error: unknown) => {
            // A failed read is forgotten by middy; start the expiry clock afresh with the next read.
            fetchedAt = undefined;
            throw apiKeyUnavailable(secretId, error);
          },
        );
        return loaded;
      };
    },
  };
}
