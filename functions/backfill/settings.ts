import * as z from 'zod/mini';
import { eventSourceSetting, fivetranApiUrlSetting, positiveIntSetting, readEnvironment, requiredSetting } from '../../shared/runtime/environment';

const environmentSchema = z.object({
  FIVETRAN_API_URL: fivetranApiUrlSetting,
  FIVETRAN_API_SECRET_ID: requiredSetting('the name or ARN of the Fivetran API key secret'),
  PROVISIONING_QUEUE_URL: z.url({ error: 'is required: the URL of the provisioning queue' }),
  EVENT_BUS_NAME: requiredSetting('the EventBridge bus name or ARN'),
  EVENT_SOURCE: eventSourceSetting,
  FIVETRAN_REQUEST_TIMEOUT_MS: positiveIntSetting(30_000),
  /** Time kept back from the Lambda deadline: one chunk, the handover and the final event must fit in it. */
  HANDOFF_MARGIN_MS: positiveIntSetting(60_000),
  BACKFILL_CHUNK_LINES: positiveIntSetting(100),
  /** A run that needs more invocations than this is stopped: it is not making progress. */
  MAX_INVOCATIONS_PER_RUN: positiveIntSetting(50),
  /** Listings of one group before its lines are reported as failed. */
  MAX_LISTING_ATTEMPTS: positiveIntSetting(3),
});

export type BackfillConfig = Readonly<{
  fivetranApiUrl: string;
  fivetranApiSecretId: string;
  queueUrl: string;
  eventBusName: string;
  eventSource: string;
  fivetranRequestTimeoutMs: number;
  handoffMarginMs: number;
  chunkLines: number;
  maxInvocationsPerRun: number;
  maxListingAttempts: number;
}>;

/**
 * Reads the backfill function's settings once, at cold start; a missing or
 * malformed variable fails with its name in the message.
 *
 * @example loadBackfillConfig({ FIVETRAN_API_SECRET_ID: 'fivetran/api-key', PROVISIONING_QUEUE_URL: url, EVENT_BUS_NAME: 'bus' })
 */
export function loadBackfillConfig(env: NodeJS.ProcessEnv = process.env): BackfillConfig {
  const e = readEnvironment(environmentSchema, env);
  return Object.freeze({
    fivetranApiUrl: e.FIVETRAN_API_URL,
    fivetranApiSecretId: e.FIVETRAN_API_SECRET_ID,
    queueUrl: e.PROVISIONING_QUEUE_URL,
    eventBusName: e.EVENT_BUS_NAME,
    eventSource: e.EVENT_SOURCE,
    fivetranRequestTimeoutMs: e.FIVETRAN_REQUEST_TIMEOUT_MS,
    handoffMarginMs: e.HANDOFF_MARGIN_MS,
    chunkLines: e.BACKFILL_CHUNK_LINES,
    maxInvocationsPerRun: e.MAX_INVOCATIONS_PER_RUN,
    maxListingAttempts: e.MAX_LISTING_ATTEMPTS,
  });
}
