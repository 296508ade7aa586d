import type * as z from 'zod/mini';
import { MAX_MOVE_RATE } from '../aws/sqs-move-task';
import { ConfigurationError } from './errors';
import { absoluteUrl, fivetranApiUrl, oneOf, oneOfNumbers, queueArn, type Rule, text, wholeNumber } from './setting-rules';

/**
 * Every setting of the provisioner, declared once: the variable a function
 * reads, its default and range, the stack property (and `-c` context key) that
 * sets it, and who uses it. The functions read their environment through
 * `readSettings`, the CDK stack checks its properties and renders each
 * function's environment from this table, the local run and the benchmarks
 * take their defaults from it, and docs/settings.md is generated from it
 * (`npm run docs:settings`).
 */

export type FunctionName = 'provision' | 'backfill' | 'redrive' | 'rotation' | 'drift';
/** `stack`: the CDK stack sets it (renders the variable, or uses the value itself); `local`: the local run and benchmarks. */
export type Consumer = FunctionName | 'stack' | 'local';
/** How a `Duration` property maps to the knob's number. */
export type Unit = 'ms' | 's' | 'min' | 'days';

export interface KnobSpec<T> {
  /** The variable a function reads; absent for a deployment-only knob. */
  readonly env?: string;
  /** The ProvisionerStackProps property that sets it (dotted when nested). */
  readonly prop?: string;
  /** The unit of the number, when the property is a Duration. */
  readonly unit?: Unit;
  /** The `-c` context key and its unit, when not `prop` + the unit's suffix. */
  readonly context?: { readonly key: string; readonly unit?: Unit };
  /** One line: docs/settings.md, and what a missing required variable is. */
  readonly doc: string;
  readonly rule: Rule<T>;
  /** Absent: required (unless `optional`). */
  readonly default?: T;
  /** Another default for one function (the Powertools service name). */
  readonly perFunction?: Partial<Record<FunctionName, T>>;
  /** Neither required nor defaulted: unset means "not configured". */
  readonly optional?: true;
  /** What the stack sets a value to that no default covers (docs). */
  readonly stackSets?: string;
  /** Read by the Lambda runtime or Powertools, not by our code: rendered, never parsed by readSettings. */
  readonly readBy?: 'runtime';
  readonly usedBy: readonly Consumer[];
}

const knob = <const S extends KnobSpec<unknown>>(spec: S & KnobSpec<z.output<S['rule']['rule']>>) => spec;

const EVENT_SOURCE = /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/;
const SECRET_PREFIX = /^[A-Za-z0-9/_+=.@-]+\/$/;
/** CloudWatch Logs' retention periods, in days (aws-cdk-lib's RetentionDays; 9999 = never expire). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999,
] as const;

/** Every knob, once. The order is docs/settings.md's. */
// biome-ignore format: one knob a line, so the table reads as the table it is.
export const SETTINGS = {
  // The worker function and its queue (the stack uses these itself)
  functionTimeoutSeconds: knob({ prop: 'functionTimeout', unit: 's', doc: "The worker's Lambda timeout; the queue's visibility timeout is 6 × this + the batching window", rule: wholeNumber(1, 900), default: 120, usedBy: ['stack', 'local'] }),
  memorySize: knob({ prop: 'memorySize', doc: 'Memory of the worker in MB', rule: wholeNumber(128, 10_240), default: 512, usedBy: ['stack'] }),
  batchSize: knob({ prop: 'batchSize', doc: 'Records per invocation (above 10 only with a batching window of at least 1 s)', rule: wholeNumber(1, 10_000), default: 5, usedBy: ['stack', 'local'] }),
  maxBatchingWindowSeconds: knob({ prop: 'maxBatchingWindow', unit: 's', doc: 'How long Lambda gathers records before invoking the worker', rule: wholeNumber(0, 300), default: 5, usedBy: ['stack', 'local'] }),
  maxConcurrency: knob({ prop: 'maxConcurrency', doc: "Most concurrent worker invocations the queue may start; × RECORD_CONCURRENCY it is the creates in flight at once, and the stack warns above 20, what Fivetran's per-minute limits take in one burst", rule: wholeNumber(2, 1000), default: 2, usedBy: ['stack'] }),
  // Fivetran and the secrets (provision and backfill)
  fivetranApiUrl: knob({ env: 'FIVETRAN_API_URL', prop: 'fivetranApiUrl', doc: "Fivetran's REST API base URL (the client adds /v1/...)", rule: fivetranApiUrl(), default: 'https://api.fivetran.com', usedBy: ['provision', 'backfill', 'stack'] }),
  fivetranApiSecretId: knob({ env: 'FIVETRAN_API_SECRET_ID', doc: 'Name or ARN of the secret holding {"apiKey","apiSecret"} of the Fivetran API key', rule: text('the name or ARN of the Fivetran API key secret'), stackSets: 'the secret it creates, or existingFivetranApiSecret', usedBy: ['provision', 'backfill', 'stack', 'local'] }),
  fivetranRequestTimeoutMs: knob({ env: 'FIVETRAN_REQUEST_TIMEOUT_MS', prop: 'fivetranRequestTimeout', unit: 'ms', doc: 'Timeout of one Fivetran lookup or other short call', rule: wholeNumber(100, 900_000), default: 30_000, usedBy: ['provision', 'backfill', 'stack'] }),
  // A create runs setup tests, and Fivetran lets a request run 60 s before it answers 500 (applied or not):
  // waiting a little longer hears that answer instead of giving up first and posting again.
  fivetranCreateTimeoutMs: knob({ env: 'FIVETRAN_CREATE_TIMEOUT_MS', prop: 'fivetranCreateTimeout', unit: 'ms', doc: 'How long a create may take; the stack requires at least 65 s (Fivetran answers within 60 s)', rule: wholeNumber(100, 900_000), default: 65_000, usedBy: ['provision', 'stack'] }),
  credentialsSecretPrefix: knob({ env: 'CREDENTIALS_SECRET_PREFIX', prop: 'credentialsSecretPrefix', doc: 'Secret-name prefix, ending in "/", that credential references must start with; the worker may read only those secrets', rule: text('the secret-name prefix that credential references must start with', { regex: SECRET_PREFIX, error: 'must be a Secrets Manager name prefix ending in "/", such as fivetran/gitlab/', range: 'secret-name prefix ending in /', }), stackSets: 'fivetran-provisioner/<stack name>/gitlab/', usedBy: ['provision', 'rotation', 'drift', 'stack', 'local'] }),
  // `group`: a request may name only credentials filed under `<prefix><group_id>/`; `prefix`: any secret
  // under the prefix, for a deployment that serves one team.
  credentialsScope: knob({ env: 'CREDENTIALS_SCOPE', prop: 'credentialsScope', doc: 'Which credentials a request may name: group (only <prefix><group_id>/...) or prefix (any under the prefix)', rule: oneOf(['group', 'prefix']), default: 'group', usedBy: ['provision', 'stack'] }),
  secretsCacheTtlSeconds: knob({ env: 'SECRETS_CACHE_TTL_SECONDS', prop: 'secretsCacheTtl', unit: 's', doc: 'How long the worker caches secret values', rule: wholeNumber(1, 86_400), default: 300, usedBy: ['provision', 'stack'] }),
  // Events (provision and backfill)
  eventBusName: knob({ env: 'EVENT_BUS_NAME', doc: 'EventBridge bus the outcome events are published on (name or ARN)', rule: text('the EventBridge bus name or ARN'), stackSets: 'the bus it creates, or existingEventBusName', usedBy: ['provision', 'backfill', 'stack', 'local'] }),
  eventSource: knob({ env: 'EVENT_SOURCE', prop: 'eventSource', doc: '`source` of the published events (EventBridge reserves aws.)', rule: text('the source of published events', { regex: EVENT_SOURCE, error: 'must be 1 to 256 of A-Za-z0-9._/- and not start with aws.', range: '1 to 256 of A-Za-z0-9._/-, not aws.*', }), default: 'fivetran.provisioner', usedBy: ['provision', 'backfill', 'stack'] }),
  // The worker's batch
  recordConcurrency: knob({ env: 'RECORD_CONCURRENCY', prop: 'recordConcurrency', doc: 'Records one invocation works on at once', rule: wholeNumber(1, 100), default: 5, usedBy: ['provision', 'stack', 'local'] }),
  maxReceiveCount: knob({ env: 'MAX_RECEIVE_COUNT', prop: 'maxReceiveCount', doc: 'Deliveries before SQS dead-letters a request; the worker publishes RETRIES_EXHAUSTED on the last one', rule: wholeNumber(1, 1000), default: 5, usedBy: ['provision', 'stack', 'local'] }),
  maxAttemptsPerDelivery: knob({ env: 'MAX_ATTEMPTS_PER_DELIVERY', prop: 'maxAttemptsPerDelivery', doc: 'Fivetran calls per record and delivery before the record goes back to the queue', rule: wholeNumber(1, 20), default: 4, usedBy: ['provision', 'stack'] }),
  // A deferred request goes back to the queue as a new message each hop (each lives at most 900 s there),
  // so the queue's retention never ends it: this does, well before anyone would still want the connection.
  maxDeferralHours: knob({ env: 'MAX_DEFERRAL_HOURS', prop: 'maxDeferralHours', doc: "How long a request may wait for Fivetran's rate-limit budget, deferred on the queue, before it fails with RATE_LIMIT_WAIT_EXCEEDED", rule: wholeNumber(1, 90), default: 48, usedBy: ['provision', 'stack'] }),
  safetyMarginMs: knob({ env: 'SAFETY_MARGIN_MS', prop: 'safetyMargin', unit: 'ms', doc: 'Time kept back from the Lambda deadline to publish events and answer SQS; the stack requires at least 1 s', rule: wholeNumber(100, 60_000), default: 5_000, usedBy: ['provision', 'rotation', 'drift', 'stack', 'local'] }),
  // The ledger of requests and connections (lifecycle requests need it; creates record into it when set)
  ledgerTableName: knob({ env: 'LEDGER_TABLE_NAME', doc: 'DynamoDB table of the ledger (requests, connections made, credentials versions applied); unset: no ledger, lifecycle requests fail (LEDGER_NOT_CONFIGURED), backfills cannot see deferred requests', rule: text('the ledger table name'), optional: true, stackSets: 'the ledger table it creates', usedBy: ['provision', 'backfill', 'rotation', 'drift', 'stack', 'local'] }),
  // The rotation fan-out and the drift check (they put reapply_credentials requests on the provisioning queue)
  driftCheckIntervalMinutes: knob({ prop: 'driftCheckInterval', unit: 'min', doc: 'How often the drift check compares each credentials secret with the version its connections were given', rule: wholeNumber(5, 1_440), default: 60, usedBy: ['stack'] }),
  secretDescribeConcurrency: knob({ env: 'SECRET_DESCRIBE_CONCURRENCY', doc: 'DescribeSecret calls the drift check makes at once', rule: wholeNumber(1, 20), default: 4, usedBy: ['drift'] }),
  // The backfill
  queueUrl: knob({ env: 'PROVISIONING_QUEUE_URL', doc: 'URL of the provisioning queue the backfill, the rotation fan-out and the drift check send to', rule: absoluteUrl('the URL of the provisioning queue'), stackSets: 'the provisioning queue', usedBy: ['backfill', 'rotation', 'drift', 'stack'] }),
  handoffMarginMs: knob({ env: 'HANDOFF_MARGIN_MS', doc: 'Time a backfill invocation keeps for its last chunk, the handover and the final event', rule: wholeNumber(1_000, 300_000), default: 60_000, usedBy: ['backfill', 'stack'] }),
  chunkLines: knob({ env: 'BACKFILL_CHUNK_LINES', doc: 'Manifest lines the backfill reconciles and sends per chunk', rule: wholeNumber(1, 10_000), default: 100, usedBy: ['backfill'] }),
  maxInvocationsPerRun: knob({ env: 'MAX_INVOCATIONS_PER_RUN', doc: 'Invocations a backfill run may take before it is stopped as making no progress', rule: wholeNumber(1, 10_000), default: 50, usedBy: ['backfill'] }),
  maxListingAttempts: knob({ env: 'MAX_LISTING_ATTEMPTS', doc: "Listings of one group's connections before its lines are reported as failed", rule: wholeNumber(1, 20), default: 3, usedBy: ['backfill'] }),
  awsEndpointUrl: knob({ env: 'AWS_ENDPOINT_URL', doc: 'Endpoint of every AWS service (the SDK reads it; set only for local servers)', rule: absoluteUrl('an endpoint URL'), optional: true, usedBy: ['backfill', 'local'] }),
  awsEndpointUrlDynamodb: knob({ env: 'AWS_ENDPOINT_URL_DYNAMODB', doc: "DynamoDB's endpoint (the ledger; the SDK reads it, and so does the backfill's ledger read); set only for local servers", rule: absoluteUrl('an endpoint URL'), optional: true, usedBy: ['backfill', 'local'] }),
  awsEndpointUrlS3: knob({ env: 'AWS_ENDPOINT_URL_S3', doc: "S3's endpoint (the SDK reads it); when set, buckets are addressed by path, as local S3 servers serve them", rule: absoluteUrl('an endpoint URL'), optional: true, usedBy: ['backfill', 'local'] }),
  // The scheduled redrive
  deadLetterQueueUrl: knob({ env: 'DEAD_LETTER_QUEUE_URL', doc: 'URL of the dead-letter queue the redrive empties', rule: absoluteUrl('the URL of the dead-letter queue'), stackSets: 'the dead-letter queue', usedBy: ['redrive', 'stack'] }),
  deadLetterQueueArn: knob({ env: 'DEAD_LETTER_QUEUE_ARN', doc: 'ARN of that dead-letter queue', rule: queueArn('an SQS queue ARN'), stackSets: 'the dead-letter queue', usedBy: ['redrive', 'stack'] }),
  destinationQueueArn: knob({ env: 'DESTINATION_QUEUE_ARN', doc: 'ARN of the queue the redrive moves requests back to', rule: queueArn('an SQS queue ARN'), stackSets: 'the provisioning queue', usedBy: ['redrive', 'stack'] }),
  maxMessagesPerSecond: knob({ env: 'MAX_MESSAGES_PER_SECOND', prop: 'redriveSchedule.maxMessagesPerSecond', doc: 'Rate of the scheduled move task (SQS allows up to 500)', rule: wholeNumber(1, MAX_MOVE_RATE), default: 10, usedBy: ['redrive', 'stack'] }),
  // Powertools (read by the library itself)
  serviceName: knob({ env: 'POWERTOOLS_SERVICE_NAME', doc: 'Service name on every log line (one per function)', rule: text('a service name'), default: 'fivetran-provisioner', perFunction: { backfill: 'fivetran-provisioner-backfill', redrive: 'fivetran-provisioner-redrive', rotation: 'fivetran-provisioner-rotation', drift: 'fivetran-provisioner-drift' }, readBy: 'runtime', usedBy: ['provision', 'backfill', 'redrive', 'rotation', 'drift', 'stack', 'local'] }),
  metricsNamespace: knob({ env: 'POWERTOOLS_METRICS_NAMESPACE', doc: "CloudWatch namespace of the worker's metrics", rule: text('a metrics namespace'), default: 'FivetranProvisioner', readBy: 'runtime', usedBy: ['provision', 'backfill', 'rotation', 'drift', 'stack'] }),
  logLevel: knob({ env: 'POWERTOOLS_LOG_LEVEL', prop: 'logLevel', doc: 'Log level of the functions', rule: oneOf(['DEBUG', 'INFO', 'WARN', 'ERROR']), default: 'INFO', readBy: 'runtime', usedBy: ['provision', 'backfill', 'redrive', 'rotation', 'drift', 'stack'] }),
  // Logs, events and alarms (the stack uses these itself)
  logRetentionDays: knob({ prop: 'logRetention', context: { key: 'logRetentionDays' }, doc: "Retention of the functions' log groups, in days", rule: oneOfNumbers( LOG_RETENTION_DAYS, `must be one of the retention periods CloudWatch Logs offers (${LOG_RETENTION_DAYS.join(', ')})`, ), default: 90, usedBy: ['stack'] }),
  eventArchiveRetentionDays: knob({ prop: 'eventArchiveRetention', unit: 'days', doc: 'How long the archive keeps the events for replay', rule: wholeNumber(1, 36_500), default: 30, usedBy: ['stack'] }),
  oldestMessageAgeAlarmSeconds: knob({ prop: 'oldestMessageAgeAlarmThreshold', unit: 's', context: { key: 'oldestMessageAgeAlarmMinutes', unit: 'min' }, doc: 'Alarm when the oldest request in the queue is older than this', rule: wholeNumber(60, 14 * 86_400), default: 3_600, usedBy: ['stack'] }),
} as const;

type Table = typeof SETTINGS;
export type KnobName = keyof Table;
export type KnobValue<K extends KnobName> = z.output<Table[K]['rule']['rule']>;
type ReadBy<C extends FunctionName, K extends KnobName> = C extends Table[K]['usedBy'][number]
  ? Table[K] extends { env: string; readBy: 'runtime' }
    ? never
    : Table[K] extends { env: string }
      ? K
      : never
  : never;

/** The settings function `C` reads from its environment. */
export type SettingsOf<C extends FunctionName> = {
  readonly [K in KnobName as ReadBy<C, K>]: Table[K] extends { optional: true } ? KnobValue<K> | undefined : KnobValue<K>;
};

const entries = Object.entries(SETTINGS) as [KnobName, KnobSpec<unknown>][];

/**
 * A function's settings from its environment, read once at cold start: the one
 * place Lambda code reads `process.env`. Empty variables count as unset. Every
 * missing or malformed variable is named in one ConfigurationError, so a broken
 * deployment says what to fix in its first log line.
 *
 * @example export const handler = createHandler(readSettings('provision'));
 */
export function readSettings<C extends FunctionName>(
  fn: C,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SettingsOf<C> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of entries) {
    if (spec.env === undefined || spec.readBy === 'runtime' || !spec.usedBy.includes(fn)) continue;
    const raw = env[spec.env];
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) values[name] = spec.default;
      else if (spec.optional !== true) problems.push(`${spec.env} is required: ${spec.doc}`);
      continue;
    }
    const parsed = spec.rule.rule.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${spec.env} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  }
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  return Object.freeze(values) as SettingsOf<C>;
}

/**
 * The Powertools service name and metrics namespace of function `fn`: the
 * variables the stack renders (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE),
 * else the table's defaults. Passed to Logger, Metrics and Tracer, so a
 * deployment that sets them is obeyed and a test or local run without them
 * still logs under the function's own name.
 */
export function powertoolsNames(
  fn: FunctionName,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { serviceName: string; namespace: string } {
  const service = SETTINGS.serviceName as KnobSpec<string>;
  return {
    serviceName: env[service.env!] || (service.perFunction?.[fn] ?? service.default!),
    namespace: env[SETTINGS.metricsNamespace.env] || SETTINGS.metricsNamespace.default,
  };
}

/** A knob's value before it is rendered: a number, a word, or a CDK token standing for one. */
export type RenderedValues = Partial<Record<KnobName, string | number>>;

/**
 * The environment the stack gives function `fn`: every variable of the table
 * that the function uses and the stack sets, from `values`, else the knob's
 * default for that function.
 *
 * @example environment: renderEnvironment('redrive', { deadLetterQueueUrl: dlq.queueUrl, … })
 */
export function renderEnvironment(fn: FunctionName, values: RenderedValues): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, spec] of entries) {
    if (spec.env === undefined || !spec.usedBy.includes(fn) || !spec.usedBy.includes('stack')) continue;
    const value = values[name] ?? spec.perFunction?.[fn] ?? spec.default;
    if (value === undefined) throw new ConfigurationError(`${spec.env} has no value for the ${fn} function: ${spec.doc}`);
    environment[spec.env] = String(value);
  }
  return environment;
}

/** The variables the stack sets on function `fn`. */
export function renderedVariables(fn: FunctionName): string[] {
  return entries
    .filter(([, spec]) => spec.env !== undefined && spec.usedBy.includes(fn) && spec.usedBy.includes('stack'))
    .map(([, spec]) => spec.env!);
}

/** What is wrong with `value` for knob `name`, phrased after `label` (the property's name), or undefined when it is fine. */
export function checkKnob(name: KnobName, value: unknown, label: string = SETTINGS[name].prop ?? name): string | undefined {
  const parsed = (SETTINGS[name].rule.rule as z.ZodMiniType).safeParse(value);
  return parsed.success ? undefined : `${label} ${parsed.error.issues[0]?.message ?? 'is invalid'}, got ${JSON.stringify(value)}`;
}

/** The default of every knob `consumer` uses that has one (the local run and benchmarks start from these). */
export function defaultsFor(consumer: Consumer): { readonly [K in KnobName]?: KnobValue<K> } {
  return Object.fromEntries(
    entries.filter(([, spec]) => spec.usedBy.includes(consumer) && spec.default !== undefined).map(([name, spec]) => [name, spec.default]),
  );
}

type Suffix = { ms: 'Ms'; s: 'Seconds'; min: 'Minutes'; days: 'Days' };
type ContextKeyOfSpec<S> = S extends { context: { key: infer C extends string } }
  ? C
  : S extends { prop: infer P extends string }
    ? P extends `${string}.${string}`
      ? never
      : S extends { unit: infer U extends Unit }
        ? `${P}${Suffix[U]}`
        : P
    : never;
/** The `-c` context keys of the knobs (contextKeyOf, as types). */
export type KnobContextKey = { [K in KnobName]: ContextKeyOfSpec<Table[K]> }[KnobName];
type KnobOfContextKey<C> = { [K in KnobName]: C extends ContextKeyOfSpec<Table[K]> ? K : never }[KnobName];
export type KnobContextValue<C extends KnobContextKey> = KnobValue<KnobOfContextKey<C>>;

/** The default of one knob. */
export function defaultOf<K extends KnobName>(name: K): Table[K] extends { default: infer D } ? D : undefined {
  return (SETTINGS[name] as KnobSpec<unknown>).default as never;
}

const SUFFIX: Record<Unit, string> = { ms: 'Ms', s: 'Seconds', min: 'Minutes', days: 'Days' };

/** The `-c` context key of a knob the stack takes as a top-level property, and the unit its number is in. */
export function contextKeyOf(name: KnobName): { key: string; unit?: Unit | undefined } | undefined {
  const spec: KnobSpec<unknown> = SETTINGS[name];
  if (spec.prop === undefined || spec.prop.includes('.')) return undefined;
  if (spec.context !== undefined) return { key: spec.context.key, unit: spec.context.unit ?? spec.unit };
  return { key: spec.unit === undefined ? spec.prop : `${spec.prop}${SUFFIX[spec.unit]}`, unit: spec.unit };
}

/** The Lambdas, in the order the docs list them. */
export const FUNCTION_NAMES: readonly FunctionName[] = ['provision', 'backfill', 'redrive', 'rotation', 'drift'];

/** The settings of each function, by the names its code has long used. */
export type ProvisionerConfig = SettingsOf<'provision'>;
export type BackfillConfig = SettingsOf<'backfill'>;
export type RedriveConfig = SettingsOf<'redrive'>;
export type RotationConfig = SettingsOf<'rotation'>;
export type DriftConfig = SettingsOf<'drift'>;
