import * as z from 'zod/mini';
import './zod-messages';
import { ConfigurationError } from './errors';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Fivetran's base URL. HTTPS only, except on loopback where the local sandbox
 * answers: the API key travels in every request's Authorization header.
 */
const fivetranApiUrl = z.pipe(
  z.url({ error: 'must be an absolute URL such as https://api.fivetran.com' }).check(
    z.refine(
      (value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
      },
      { error: 'must use https:// (plain http:// is allowed only on loopback)' },
    ),
  ),
  z.transform((value: string) => value.replace(/\/+$/, '')),
);

const positiveInt = (fallback: number) =>
  z._default(
    z.coerce.number({ error: 'must be a positive whole number' }).check(
      z.refine((value: number) => Number.isInteger(value) && value > 0, { error: 'must be a positive whole number' }),
    ),
    fallback,
  );

const environmentSchema = z.object({
  FIVETRAN_API_URL: z._default(fivetranApiUrl, 'https://api.fivetran.com'),
  FIVETRAN_API_SECRET_ID: z.string({ error: 'is required: the name or ARN of the Fivetran API key secret' }).check(z.minLength(1)),
  CREDENTIALS_SECRET_PREFIX: z
    .string({ error: 'is required: the secret-name prefix that credential references must start with' })
    .check(
      z.regex(/^[A-Za-z0-9/_+=.@-]+\/$/, {
        error: 'must be a Secrets Manager name prefix ending in "/", such as fivetran/gitlab/',
      }),
    ),
  EVENT_BUS_NAME: z.string({ error: 'is required: the EventBridge bus name or ARN' }).check(z.minLength(1)),
  EVENT_SOURCE: z._default(
    z.string().check(z.regex(/^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/, { error: 'must be 1 to 256 of A-Za-z0-9._/- and not start with aws.' })),
    'fivetran.provisioner',
  ),
  MAX_RECEIVE_COUNT: positiveInt(5),
  FIVETRAN_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  SECRETS_CACHE_TTL_SECONDS: positiveInt(300),
  MAX_ATTEMPTS_PER_DELIVERY: positiveInt(4),
  RECORD_CONCURRENCY: positiveInt(10),
  /** Time kept back from the Lambda deadline to publish events and answer SQS. */
  SAFETY_MARGIN_MS: positiveInt(5_000),
});

export type ProvisionerConfig = Readonly<{
  fivetranApiUrl: string;
  fivetranApiSecretId: string;
  credentialsSecretPrefix: string;
  eventBusName: string;
  eventSource: string;
  maxReceiveCount: number;
  fivetranRequestTimeoutMs: number;
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
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    fivetranApiUrl: e.FIVETRAN_API_URL,
    fivetranApiSecretId: e.FIVETRAN_API_SECRET_ID,
    credentialsSecretPrefix: e.CREDENTIALS_SECRET_PREFIX,
    eventBusName: e.EVENT_BUS_NAME,
    eventSource: e.EVENT_SOURCE,
    maxReceiveCount: e.MAX_RECEIVE_COUNT,
    fivetranRequestTimeoutMs: e.FIVETRAN_REQUEST_TIMEOUT_MS,
    secretsCacheTtlSeconds: e.SECRETS_CACHE_TTL_SECONDS,
    maxAttemptsPerDelivery: e.MAX_ATTEMPTS_PER_DELIVERY,
    recordConcurrency: e.RECORD_CONCURRENCY,
    safetyMarginMs: e.SAFETY_MARGIN_MS,
  });
}
