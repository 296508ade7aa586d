import * as z from 'zod/mini';
import { eventSourceSetting, fivetranApiUrlSetting, positiveIntSetting, readEnvironment, requiredSetting } from './environment';
import './zod-setup';

const environmentSchema = z.object({
  FIVETRAN_API_URL: fivetranApiUrlSetting,
  FIVETRAN_API_SECRET_ID: requiredSetting('the name or ARN of the Fivetran API key secret'),
  CREDENTIALS_SECRET_PREFIX: z
    .string({ error: 'is required: the secret-name prefix that credential references must start with' })
    .check(
      z.regex(/^[A-Za-z0-9/_+=.@-]+\/$/, {
        error: 'must be a Secrets Manager name prefix ending in "/", such as fivetran/gitlab/',
      }),
    ),
  /**
   * `group` (the default): a request may name only credentials filed under
   * `<prefix><group_id>/`. `prefix`: any secret under the prefix, for a
   * deployment that serves one team.
   */
  CREDENTIALS_SCOPE: z._default(z.enum(['group', 'prefix'], { error: 'must be "group" or "prefix"' }), 'group'),
  EVENT_BUS_NAME: requiredSetting('the EventBridge bus name or ARN'),
  EVENT_SOURCE: eventSourceSetting,
  MAX_RECEIVE_COUNT: positiveIntSetting(5),
  /** Lookups and other short calls. */
  FIVETRAN_REQUEST_TIMEOUT_MS: positiveIntSetting(30_000),
  /**
   * A create runs setup tests, and Fivetran lets a request run 60 s before it answers 500 (applied or
   * not): waiting a little longer hears that answer instead of giving up first and posting again.
   */
  FIVETRAN_CREATE_TIMEOUT_MS: positiveIntSetting(65_000),
  SECRETS_CACHE_TTL_SECONDS: positiveIntSetting(300),
  MAX_ATTEMPTS_PER_DELIVERY: positiveIntSetting(4),
  RECORD_CONCURRENCY: positiveIntSetting(10),
  /** Time kept back from the Lambda deadline to publish events and answer SQS. */
  SAFETY_MARGIN_MS: positiveIntSetting(5_000),
});

export type ProvisionerConfig = Readonly<{
  fivetranApiUrl: string;
  fivetranApiSecretId: string;
  credentialsSecretPrefix: string;
  credentialsScope: 'group' | 'prefix';
  eventBusName: string;
  eventSource: string;
  maxReceiveCount: number;
  fivetranRequestTimeoutMs: number;
  fivetranCreateTimeoutMs: number;
  secretsCacheTtlSeconds: number;
  maxAttemptsPerDelivery: number;
  recordConcurrency: number;
  safetyMarginMs: number;
}>;

/**
 * Reads the worker's settings once, at cold start. A missing or malformed
 * variable fails with its name in the message, so a broken deployment says
 * what to fix in its first log line instead of failing record by record.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProvisionerConfig {
  const e = readEnvironment(environmentSchema, env);
  return Object.freeze({
    fivetranApiUrl: e.FIVETRAN_API_URL,
    fivetranApiSecretId: e.FIVETRAN_API_SECRET_ID,
    credentialsSecretPrefix: e.CREDENTIALS_SECRET_PREFIX,
    credentialsScope: e.CREDENTIALS_SCOPE,
    eventBusName: e.EVENT_BUS_NAME,
    eventSource: e.EVENT_SOURCE,
    maxReceiveCount: e.MAX_RECEIVE_COUNT,
    fivetranRequestTimeoutMs: e.FIVETRAN_REQUEST_TIMEOUT_MS,
    fivetranCreateTimeoutMs: e.FIVETRAN_CREATE_TIMEOUT_MS,
    secretsCacheTtlSeconds: e.SECRETS_CACHE_TTL_SECONDS,
    maxAttemptsPerDelivery: e.MAX_ATTEMPTS_PER_DELIVERY,
    recordConcurrency: e.RECORD_CONCURRENCY,
    safetyMarginMs: e.SAFETY_MARGIN_MS,
  });
}
