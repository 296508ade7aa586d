import { Duration, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { contextKeyOf, type defaultOf, type KnobName, type RenderedValues, SETTINGS, type Unit } from '../shared/runtime/settings';
import type { BackfillSchedule } from './constructs/backfill-schedules';
import type { RedriveSchedule } from './constructs/scheduled-redrive';
import type { SubscriberAccess, SubscriberRule } from './constructs/subscriber-rules';

/**
 * Settings of one provisioner deployment. Every property is optional and the
 * defaults are safe for a first deployment; staging and prod can live in one
 * account because no physical name is fixed (names are generated, or derived
 * from the stack name).
 */
export interface ProvisionerStackProps extends StackProps {
  /**
   * Lambda timeout of the worker. The queue's visibility timeout is 6 × this + `maxBatchingWindow`. It must
   * hold a lookup, a create and the safety margin (30 s + 65 s + 5 s by default): a create that Fivetran answers
   * after 60 s, the lookup before it and the publish after it then fit in one invocation. @default Duration.seconds(120)
   */
  readonly functionTimeout?: Duration | undefined;
  /** Memory of the worker in MB. @default 512 */
  readonly memorySize?: number | undefined;
  /** Deliveries of a request before SQS moves it to the dead-letter queue; also the worker's `MAX_RECEIVE_COUNT`. @default 5 */
  readonly maxReceiveCount?: number | undefined;
  /** Records per invocation. @default 5 */
  readonly batchSize?: number | undefined;
  /** How long Lambda gathers records before invoking (0 to 300 s). @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration | undefined;
  /**
   * Most concurrent invocations the queue may start (2 to 1000). With
   * `recordConcurrency` it bounds the calls in flight against Fivetran,
   * whose limits count every request of the account (20,000 an hour; setup
   * tests 250 a minute; docs/fivetran.md); the worker backs off
   * on HTTP 429 on top of that, and defers on the queue what waits longer
   * than an invocation. `cdk synth` warns when `maxConcurrency ×
   * recordConcurrency` exceeds 20, what Fivetran's per-minute limits take in
   * one burst. @default 2
   */
  readonly maxConcurrency?: number | undefined;
  /** Records one invocation works on at once (`RECORD_CONCURRENCY`). @default 5 */
  readonly recordConcurrency?: number | undefined;
  /** Fivetran's REST API base URL, https only (`FIVETRAN_API_URL`). @default 'https://api.fivetran.com' */
  readonly fivetranApiUrl?: string | undefined;
  /** Timeout of one Fivetran lookup (`FIVETRAN_REQUEST_TIMEOUT_MS`). @default Duration.seconds(30) */
  readonly fivetranRequestTimeout?: Duration | undefined;
  /**
   * How long a create may take (`FIVETRAN_CREATE_TIMEOUT_MS`), at least 65 s: Fivetran runs the setup tests in the
   * create and answers within 60 s, with a 500 when they took longer. @default Duration.seconds(65)
   */
  readonly fivetranCreateTimeout?: Duration | undefined;
  /** Time kept back from the Lambda deadline to publish events and answer SQS (`SAFETY_MARGIN_MS`). @default Duration.seconds(5) */
  readonly safetyMargin?: Duration | undefined;
  /** How long the worker caches secret values (`SECRETS_CACHE_TTL_SECONDS`). @default Duration.minutes(5) */
  readonly secretsCacheTtl?: Duration | undefined;
  /** Fivetran calls per record and delivery before the record is handed back to the queue (`MAX_ATTEMPTS_PER_DELIVERY`). @default 4 */
  readonly maxAttemptsPerDelivery?: number | undefined;
  /**
   * Hours a request may wait for Fivetran's rate-limit budget, deferred on the queue, before it fails with
   * `RATE_LIMIT_WAIT_EXCEEDED` (`MAX_DEFERRAL_HOURS`, 1 to 90). @default 48
   */
  readonly maxDeferralHours?: number | undefined;
  /** Worker log level (`POWERTOOLS_LOG_LEVEL`). @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** Retention of the worker's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays | undefined;
  /**
   * Name, or complete ARN, of an existing secret holding `{"apiKey","apiSecret"}`
   * of the Fivetran API key. @default - a new, empty secret is created for the operator to fill
   */
  readonly existingFivetranApiSecret?: string | undefined;
  /**
   * Secret-name prefix, ending in "/", that GitLab credential secrets must
   * live under; the worker may read those secrets only (`CREDENTIALS_SECRET_PREFIX`).
   * @default `fivetran-provisioner/<stack name>/gitlab/`
   */
  readonly credentialsSecretPrefix?: string | undefined;
  /**
   * Which credentials a request may name (`CREDENTIALS_SCOPE`). `'group'`: only
   * secrets filed under `<credentialsSecretPrefix><group_id>/`, for the
   * request's own Fivetran group, so no producer can use another team's
   * credentials. `'prefix'`: any secret under the prefix; only for a
   * deployment that serves a single team, since then any producer that can
   * send to the queue can have any team's credentials used for its group.
   * @default 'group'
   */
  readonly credentialsScope?: 'group' | 'prefix' | undefined;
  /** `source` of the outcome events (`EVENT_SOURCE`). @default 'fivetran.provisioner' */
  readonly eventSource?: string | undefined;
  /** Name of an existing EventBridge bus in this account and region to publish to. @default - a new bus is created */
  readonly existingEventBusName?: string | undefined;
  /** How long the archive keeps the provisioner's events for replay. @default Duration.days(30) */
  readonly eventArchiveRetention?: Duration | undefined;
  /** Alarm when the oldest request in the queue is older than this. @default Duration.hours(1) */
  readonly oldestMessageAgeAlarmThreshold?: Duration | undefined;
  /** ARN of an existing SNS topic the alarms notify (on alarm and on recovery). @default - no notification unless `alarmEmail` is set */
  readonly alarmTopicArn?: string | undefined;
  /** E-mail address the alarms notify, through a new KMS-encrypted topic. Not together with `alarmTopicArn`. @default - none */
  readonly alarmEmail?: string | undefined;
  /**
   * Scheduled backfills: each reads a JSON Lines manifest from S3 on its
   * schedule and enqueues the requests whose schema has no connection yet
   * (or every valid one, with `mode: 'all'`). @default - none
   */
  readonly backfills?: readonly BackfillSchedule[] | undefined;
  /**
   * Name of an existing bucket for manifests that name no bucket of their own.
   * @default - an encrypted, TLS-only, versioned bucket is created when a backfill needs one
   */
  readonly manifestBucketName?: string | undefined;
  /**
   * How often the drift check compares each GitLab credentials secret in use with the version its connections
   * were given, and re-applies where they are behind (5 minutes to 1 day). @default Duration.hours(1)
   */
  readonly driftCheckInterval?: Duration | undefined;
  /** Move dead-lettered requests back to the queue on a schedule (an SQS move task at a bounded rate). @default - no schedule */
  readonly redriveSchedule?: RedriveSchedule | undefined;
  /**
   * Rules on the provisioner's bus, each matching the provisioner's `source` and whatever else its
   * `eventPattern` names, with 1 to 5 targets (docs/subscribers.md). @default - none
   */
  readonly subscriberRules?: readonly SubscriberRule[] | undefined;
  /**
   * Other accounts (or every account of an organization) that may put rules of their own on the bus,
   * matching the provisioner's `source` only, and change only the rules they created. @default - this account only
   */
  readonly subscriberAccess?: SubscriberAccess | undefined;
}

/** The settings after defaults are applied; what the constructs are built from. */
type OptionalSetting =
  | 'existingFivetranApiSecret'
  | 'existingEventBusName'
  | 'alarmTopicArn'
  | 'alarmEmail'
  | 'manifestBucketName'
  | 'redriveSchedule'
  | 'subscriberAccess';
type DefaultedSetting = Exclude<keyof ProvisionerStackProps, keyof StackProps | OptionalSetting>;
export type ResolvedProvisionerSettings = { readonly [K in DefaultedSetting]-?: NonNullable<ProvisionerStackProps[K]> } & Pick<
  ProvisionerStackProps,
  OptionalSetting
>;

/**
 * The queue's visibility timeout: at least six function timeouts (Lambda's
 * guidance, so a batch retried after throttling is not delivered twice) plus the
 * batching window, during which received records already count as in flight.
 */
export function queueVisibilityTimeout(functionTimeout: Duration, maxBatchingWindow: Duration): Duration {
  return Duration.seconds(6 * functionTimeout.toSeconds() + maxBatchingWindow.toSeconds());
}

/** A Duration as a number of `unit` (fractions kept, so that a check can refuse them). */
export function durationIn(value: Duration, unit: Unit): number {
  const options = { integral: false };
  if (unit === 'ms') return value.toMilliseconds(options);
  if (unit === 's') return value.toSeconds(options);
  if (unit === 'min') return value.toMinutes(options);
  return value.toDays(options);
}

/** A number of `unit` as a Duration. */
export function durationOf(amount: number, unit: Unit): Duration {
  if (unit === 'ms') return Duration.millis(amount);
  if (unit === 's') return Duration.seconds(amount);
  if (unit === 'min') return Duration.minutes(amount);
  return Duration.days(amount);
}

/** A knob's default as the stack property's type (a Duration when the knob has a unit). */
function fallback<K extends KnobName>(name: K): Duration;
function fallback<K extends KnobName>(name: K, plain: 'plain'): NonNullable<ReturnType<typeof defaultOf<K>>>;
function fallback(name: KnobName, plain?: 'plain'): unknown {
  const spec = SETTINGS[name] as { unit?: Unit; default?: number };
  return plain === undefined && spec.unit !== undefined ? durationOf(spec.default!, spec.unit) : spec.default;
}

/** The properties with the table's defaults applied (the credentials prefix defaults per stack). */
export function resolveProvisionerSettings(props: ProvisionerStackProps, stackName: string): ResolvedProvisionerSettings {
  return {
    existingFivetranApiSecret: props.existingFivetranApiSecret,
    existingEventBusName: props.existingEventBusName,
    alarmTopicArn: props.alarmTopicArn,
    alarmEmail: props.alarmEmail,
    manifestBucketName: props.manifestBucketName,
    redriveSchedule: props.redriveSchedule,
    subscriberAccess: props.subscriberAccess,
    subscriberRules: props.subscriberRules ?? [],
    backfills: props.backfills ?? [],
    functionTimeout: props.functionTimeout ?? fallback('functionTimeoutSeconds'),
    memorySize: props.memorySize ?? fallback('memorySize', 'plain'),
    maxReceiveCount: props.maxReceiveCount ?? fallback('maxReceiveCount', 'plain'),
    batchSize: props.batchSize ?? fallback('batchSize', 'plain'),
    maxBatchingWindow: props.maxBatchingWindow ?? fallback('maxBatchingWindowSeconds'),
    maxConcurrency: props.maxConcurrency ?? fallback('maxConcurrency', 'plain'),
    recordConcurrency: props.recordConcurrency ?? fallback('recordConcurrency', 'plain'),
    fivetranApiUrl: props.fivetranApiUrl ?? fallback('fivetranApiUrl', 'plain'),
    fivetranRequestTimeout: props.fivetranRequestTimeout ?? fallback('fivetranRequestTimeoutMs'),
    fivetranCreateTimeout: props.fivetranCreateTimeout ?? fallback('fivetranCreateTimeoutMs'),
    safetyMargin: props.safetyMargin ?? fallback('safetyMarginMs'),
    secretsCacheTtl: props.secretsCacheTtl ?? fallback('secretsCacheTtlSeconds'),
    maxAttemptsPerDelivery: props.maxAttemptsPerDelivery ?? fallback('maxAttemptsPerDelivery', 'plain'),
    maxDeferralHours: props.maxDeferralHours ?? fallback('maxDeferralHours', 'plain'),
    logLevel: props.logLevel ?? fallback('logLevel', 'plain'),
    logRetention: props.logRetention ?? (fallback('logRetentionDays', 'plain') as logs.RetentionDays),
    credentialsSecretPrefix: props.credentialsSecretPrefix ?? `fivetran-provisioner/${stackName}/gitlab/`,
    credentialsScope: props.credentialsScope ?? fallback('credentialsScope', 'plain'),
    eventSource: props.eventSource ?? fallback('eventSource', 'plain'),
    eventArchiveRetention: props.eventArchiveRetention ?? fallback('eventArchiveRetentionDays'),
    oldestMessageAgeAlarmThreshold: props.oldestMessageAgeAlarmThreshold ?? fallback('oldestMessageAgeAlarmSeconds'),
    driftCheckInterval: props.driftCheckInterval ?? fallback('driftCheckIntervalMinutes'),
  };
}

/** The knobs the resolved properties set, as the numbers and words of the table (Durations in the knob's unit). */
export function knobValues(s: ResolvedProvisionerSettings): RenderedValues {
  const values: RenderedValues = {};
  for (const name of Object.keys(SETTINGS) as KnobName[]) {
    if (contextKeyOf(name) === undefined) continue;
    const spec = SETTINGS[name] as { prop: keyof ResolvedProvisionerSettings; unit?: Unit };
    const value = s[spec.prop] as unknown;
    values[name] = spec.unit === undefined ? (value as string | number) : durationIn(value as Duration, spec.unit);
  }
  return values;
}
