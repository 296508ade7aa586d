import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { BackfillSchedules, type BackfillSchedule } from './constructs/backfill-schedules';
import { OutcomeEvents } from './constructs/outcome-events';
import { ProvisionerAlarms } from './constructs/provisioner-alarms';
import { ProvisionerFunction } from './constructs/provisioner-function';
import { ProvisioningQueue } from './constructs/provisioning-queue';
import { ScheduledRedrive, type RedriveSchedule } from './constructs/scheduled-redrive';
import { backfillEventSchema } from './event-schemas';
import { acknowledgeNagFinding } from './nag';
import { validateProvisionerProps } from './validate-props';

export const DEFAULT_FIVETRAN_API_URL = 'https://api.fivetran.com';
export const DEFAULT_EVENT_SOURCE = 'fivetran.provisioner';

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
  readonly functionTimeout?: Duration;
  /** Memory of the worker in MB. @default 512 */
  readonly memorySize?: number;
  /** Deliveries of a request before SQS moves it to the dead-letter queue; also the worker's `MAX_RECEIVE_COUNT`. @default 5 */
  readonly maxReceiveCount?: number;
  /** Records per invocation. @default 5 */
  readonly batchSize?: number;
  /** How long Lambda gathers records before invoking (0 to 300 s). @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the queue may start (2 to 1000). With
   * `recordConcurrency` it bounds the calls in flight against Fivetran,
   * whose limits count every request of the account (20,000 an hour; setup
   * tests 250 a minute; README "How Fivetran answers"); the worker backs off
   * on HTTP 429 on top of that. @default 2
   */
  readonly maxConcurrency?: number;
  /** Records one invocation works on at once (`RECORD_CONCURRENCY`). @default 5 */
  readonly recordConcurrency?: number;
  /** Fivetran's REST API base URL, https only (`FIVETRAN_API_URL`). @default 'https://api.fivetran.com' */
  readonly fivetranApiUrl?: string;
  /** Timeout of one Fivetran lookup (`FIVETRAN_REQUEST_TIMEOUT_MS`). @default Duration.seconds(30) */
  readonly fivetranRequestTimeout?: Duration;
  /**
   * How long a create may take (`FIVETRAN_CREATE_TIMEOUT_MS`), at least 65 s: Fivetran runs the setup tests in the
   * create and answers within 60 s, with a 500 when they took longer. @default Duration.seconds(65)
   */
  readonly fivetranCreateTimeout?: Duration;
  /** Time kept back from the Lambda deadline to publish events and answer SQS (`SAFETY_MARGIN_MS`). @default Duration.seconds(5) */
  readonly safetyMargin?: Duration;
  /** How long the worker caches secret values (`SECRETS_CACHE_TTL_SECONDS`). @default Duration.minutes(5) */
  readonly secretsCacheTtl?: Duration;
  /** Fivetran calls per record and delivery before the record is handed back to the queue (`MAX_ATTEMPTS_PER_DELIVERY`). @default 4 */
  readonly maxAttemptsPerDelivery?: number;
  /** Worker log level (`POWERTOOLS_LOG_LEVEL`). @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Retention of the worker's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Name, or complete ARN, of an existing secret holding `{"apiKey","apiSecret"}`
   * of the Fivetran API key. @default - a new, empty secret is created for the operator to fill
   */
  readonly existingFivetranApiSecret?: string;
  /**
   * Secret-name prefix, ending in "/", that GitLab credential secrets must
   * live under; the worker may read those secrets only (`CREDENTIALS_SECRET_PREFIX`).
   * @default `fivetran-provisioner/<stack name>/gitlab/`
   */
  readonly credentialsSecretPrefix?: string;
  /**
   * Which credentials a request may name (`CREDENTIALS_SCOPE`). `'group'`: only
   * secrets filed under `<credentialsSecretPrefix><group_id>/`, for the
   * request's own Fivetran group, so no producer can use another team's
   * credentials. `'prefix'`: any secret under the prefix; only for a
   * deployment that serves a single team, since then any producer that can
   * send to the queue can have any team's credentials used for its group.
   * @default 'group'
   */
  readonly credentialsScope?: 'group' | 'prefix';
  /** `source` of the outcome events (`EVENT_SOURCE`). @default 'fivetran.provisioner' */
  readonly eventSource?: string;
  /** Name of an existing EventBridge bus in this account and region to publish to. @default - a new bus is created */
  readonly existingEventBusName?: string;
  /** How long the archive keeps the provisioner's events for replay. @default Duration.days(30) */
  readonly eventArchiveRetention?: Duration;
  /** Alarm when the oldest request in the queue is older than this. @default Duration.hours(1) */
  readonly oldestMessageAgeAlarmThreshold?: Duration;
  /** ARN of an existing SNS topic the alarms notify (on alarm and on recovery). @default - no notification unless `alarmEmail` is set */
  readonly alarmTopicArn?: string;
  /** E-mail address the alarms notify, through a new KMS-encrypted topic. Not together with `alarmTopicArn`. @default - none */
  readonly alarmEmail?: string;
  /**
   * Scheduled backfills: each reads a JSON Lines manifest from S3 on its
   * schedule and enqueues the requests whose schema has no connection yet
   * (or every valid one, with `mode: 'all'`). @default - none
   */
  readonly backfills?: readonly BackfillSchedule[];
  /**
   * Name of an existing bucket for manifests that name no bucket of their own.
   * @default - an encrypted, TLS-only, versioned bucket is created when a backfill needs one
   */
  readonly manifestBucketName?: string;
  /** Move dead-lettered requests back to the queue on a schedule (an SQS move task at a bounded rate). @default - no schedule */
  readonly redriveSchedule?: RedriveSchedule;
}

/** The settings after defaults are applied; what the constructs are built from. */
type OptionalSetting = 'existingFivetranApiSecret' | 'existingEventBusName' | 'alarmTopicArn' | 'alarmEmail' | 'manifestBucketName' | 'redriveSchedule';
export type ResolvedProvisionerSettings = Required<Omit<ProvisionerStackProps, keyof StackProps | OptionalSetting>> &
  Pick<ProvisionerStackProps, OptionalSetting>;

/**
 * The queue's visibility timeout: at least six function timeouts (Lambda's
 * guidance, so a batch retried after throttling is not delivered twice) plus the
 * batching window, during which received records already count as in flight.
 */
export function queueVisibilityTimeout(functionTimeout: Duration, maxBatchingWindow: Duration): Duration {
  return Duration.seconds(6 * functionTimeout.toSeconds() + maxBatchingWindow.toSeconds());
}

/** Fivetran GitLab connection provisioner: SQS requests in, a Lambda worker, EventBridge outcome events out. */
export class ProvisionerStack extends Stack {
  readonly settings: ResolvedProvisionerSettings;
  readonly queue: ProvisioningQueue;
  readonly worker: ProvisionerFunction;
  readonly outcomeEvents: OutcomeEvents;
  readonly alarms: ProvisionerAlarms;
  /** The backfill function and its schedules, when backfills are declared. */
  readonly backfills?: BackfillSchedules;
  /** The scheduled redrive, when `redriveSchedule` is set. */
  readonly redrive?: ScheduledRedrive;
  /** The API key secret, when the stack created it. */
  readonly fivetranApiSecret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ProvisionerStackProps = {}) {
    super(scope, id, {
      ...props,
      description: props.description ?? 'Fivetran GitLab connection provisioner: SQS requests, a Lambda worker, EventBridge outcome events',
    });

    const s: ResolvedProvisionerSettings = {
      existingFivetranApiSecret: props.existingFivetranApiSecret,
      existingEventBusName: props.existingEventBusName,
      alarmTopicArn: props.alarmTopicArn,
      alarmEmail: props.alarmEmail,
      manifestBucketName: props.manifestBucketName,
      redriveSchedule: props.redriveSchedule,
      backfills: props.backfills ?? [],
      functionTimeout: props.functionTimeout ?? Duration.seconds(120),
      memorySize: props.memorySize ?? 512,
      maxReceiveCount: props.maxReceiveCount ?? 5,
      batchSize: props.batchSize ?? 5,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
      maxConcurrency: props.maxConcurrency ?? 2,
      recordConcurrency: props.recordConcurrency ?? 5,
      fivetranApiUrl: props.fivetranApiUrl ?? DEFAULT_FIVETRAN_API_URL,
      fivetranRequestTimeout: props.fivetranRequestTimeout ?? Duration.seconds(30),
      fivetranCreateTimeout: props.fivetranCreateTimeout ?? Duration.seconds(65),
      safetyMargin: props.safetyMargin ?? Duration.seconds(5),
      secretsCacheTtl: props.secretsCacheTtl ?? Duration.minutes(5),
      maxAttemptsPerDelivery: props.maxAttemptsPerDelivery ?? 4,
      logLevel: props.logLevel ?? 'INFO',
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      credentialsSecretPrefix: props.credentialsSecretPrefix ?? `fivetran-provisioner/${this.stackName}/gitlab/`,
      credentialsScope: props.credentialsScope ?? 'group',
      eventSource: props.eventSource ?? DEFAULT_EVENT_SOURCE,
      eventArchiveRetention: props.eventArchiveRetention ?? Duration.days(30),
      oldestMessageAgeAlarmThreshold: props.oldestMessageAgeAlarmThreshold ?? Duration.hours(1),
    };
    validateProvisionerProps(s);
    this.settings = s;

    this.queue = new ProvisioningQueue(this, 'Provisioning', {
      visibilityTimeout: queueVisibilityTimeout(s.functionTimeout, s.maxBatchingWindow),
      maxReceiveCount: s.maxReceiveCount,
    });

    this.outcomeEvents = new OutcomeEvents(this, 'OutcomeEvents', {
      eventSource: s.eventSource,
      existingEventBusName: s.existingEventBusName,
      archiveRetention: s.eventArchiveRetention,
    });

    const apiSecret = this.fivetranApiSecretReference(s.existingFivetranApiSecret);
    this.fivetranApiSecret = apiSecret.created;

    this.worker = new ProvisionerFunction(this, 'Worker', {
      queue: this.queue.queue,
      eventBus: this.outcomeEvents.eventBus,
      apiSecretPolicyArn: apiSecret.policyArn,
      credentialsSecretPrefix: s.credentialsSecretPrefix,
      timeout: s.functionTimeout,
      memorySize: s.memorySize,
      logRetention: s.logRetention,
      batchSize: s.batchSize,
      maxBatchingWindow: s.maxBatchingWindow,
      maxConcurrency: s.maxConcurrency,
      // The worker's contract (shared/runtime/settings.ts): every variable it reads, from the settings above.
      environment: {
        FIVETRAN_API_URL: s.fivetranApiUrl,
        FIVETRAN_API_SECRET_ID: apiSecret.id,
        CREDENTIALS_SECRET_PREFIX: s.credentialsSecretPrefix,
        CREDENTIALS_SCOPE: s.credentialsScope,
        EVENT_BUS_NAME: this.outcomeEvents.eventBus.eventBusName,
        EVENT_SOURCE: s.eventSource,
        MAX_RECEIVE_COUNT: String(s.maxReceiveCount),
        FIVETRAN_REQUEST_TIMEOUT_MS: String(s.fivetranRequestTimeout.toMilliseconds()),
        FIVETRAN_CREATE_TIMEOUT_MS: String(s.fivetranCreateTimeout.toMilliseconds()),
        RECORD_CONCURRENCY: String(s.recordConcurrency),
        SAFETY_MARGIN_MS: String(s.safetyMargin.toMilliseconds()),
        SECRETS_CACHE_TTL_SECONDS: String(s.secretsCacheTtl.toSeconds()),
        MAX_ATTEMPTS_PER_DELIVERY: String(s.maxAttemptsPerDelivery),
        POWERTOOLS_SERVICE_NAME: 'fivetran-provisioner',
        POWERTOOLS_METRICS_NAMESPACE: 'FivetranProvisioner',
        POWERTOOLS_LOG_LEVEL: s.logLevel,
      },
    });

    // The default group. CDK names a group of the stack's own with a literal, not a Ref, so CloudFormation
    // would not order it before the schedules in it (and see cloudformation-coverage-roadmap#1726).
    const hasSchedules = s.backfills.length > 0 || s.redriveSchedule !== undefined;
    const scheduleGroup = hasSchedules ? scheduler.ScheduleGroup.fromDefaultScheduleGroup(this, 'DefaultScheduleGroup') : undefined;
    if (scheduleGroup !== undefined && s.backfills.length > 0) {
      this.backfills = new BackfillSchedules(this, 'Backfill', {
        backfills: s.backfills,
        manifestBucketName: s.manifestBucketName,
        queue: this.queue.queue,
        eventBus: this.outcomeEvents.eventBus,
        apiSecretPolicyArn: apiSecret.policyArn,
        logRetention: s.logRetention,
        scheduleGroup,
        // The backfill reads the same API, key, bus and source as the worker (functions/backfill/settings.ts).
        environment: {
          FIVETRAN_API_URL: s.fivetranApiUrl,
          FIVETRAN_API_SECRET_ID: apiSecret.id,
          EVENT_BUS_NAME: this.outcomeEvents.eventBus.eventBusName,
          EVENT_SOURCE: s.eventSource,
          FIVETRAN_REQUEST_TIMEOUT_MS: String(s.fivetranRequestTimeout.toMilliseconds()),
          POWERTOOLS_METRICS_NAMESPACE: 'FivetranProvisioner',
          POWERTOOLS_LOG_LEVEL: s.logLevel,
        },
      });
      this.outcomeEvents.registerSchema(backfillEventSchema(s.eventSource));
    }
    if (scheduleGroup !== undefined && s.redriveSchedule !== undefined) {
      this.redrive = new ScheduledRedrive(this, 'Redrive', {
        ...s.redriveSchedule,
        queue: this.queue.queue,
        deadLetterQueue: this.queue.deadLetterQueue,
        logRetention: s.logRetention,
        logLevel: s.logLevel,
        scheduleGroup,
      });
    }

    this.alarms = new ProvisionerAlarms(this, 'Alarms', {
      queue: this.queue.queue,
      deadLetterQueue: this.queue.deadLetterQueue,
      function: this.worker.function,
      oldestMessageAgeThreshold: s.oldestMessageAgeAlarmThreshold,
      alarmTopicArn: s.alarmTopicArn,
      alarmEmail: s.alarmEmail,
    });

    this.addOutputs(apiSecret.id);
  }

  /**
   * The API key secret: created empty, or an existing one. Returns the id the
   * worker is given and the ARN its IAM statement names.
   */
  private fivetranApiSecretReference(existing: string | undefined): { id: string; policyArn: string; created?: secretsmanager.Secret } {
    if (existing === undefined) {
      const created = new secretsmanager.Secret(this, 'FivetranApiSecret', {
        description: 'Fivetran API key of the provisioner, as JSON with the fields apiKey and apiSecret. Created empty: put the value with aws secretsmanager put-secret-value.',
      });
      // Without GenerateSecretString CloudFormation creates the secret with no value: nothing secret is
      // generated into (or could leak from) the template, and the worker fails loudly until it is filled.
      (created.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
      acknowledgeNagFinding(
        created,
        'AwsSolutions-SMG4',
        'The Fivetran API key is issued in the Fivetran dashboard, and Secrets Manager cannot rotate it: there is no rotation function for it. Operators rotate it in Fivetran and put the new value (see the Deploy section of the README).',
      );
      return { id: created.secretArn, policyArn: created.secretArn, created };
    }
    if (existing.startsWith('arn:')) return { id: existing, policyArn: existing };
    // A secret known by name: Secrets Manager appends "-" and six random characters to its ARN.
    const policyArn = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${existing}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return { id: existing, policyArn };
  }

  private addOutputs(apiSecretId: string): void {
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ProvisioningQueueUrl', this.queue.queue.queueUrl, 'Send provisioning requests here (sqs:SendMessage)');
    output('ProvisioningQueueArn', this.queue.queue.queueArn, 'ARN of the provisioning queue, for the senders\' IAM policies');
    output('DeadLetterQueueUrl', this.queue.deadLetterQueue.queueUrl, 'Requests that failed every delivery');
    output('DeadLetterQueueArn', this.queue.deadLetterQueue.queueArn, 'ARN of the dead-letter queue, for redriving (sqs start-message-move-task)');
    output('EventBusName', this.outcomeEvents.eventBus.eventBusName, 'Bus the outcome events are published on');
    output('EventBusArn', this.outcomeEvents.eventBus.eventBusArn, 'ARN of the bus, for subscribers\' rules');
    output('EventSource', this.settings.eventSource, 'source of the outcome events');
    output('SchemaRegistryName', this.outcomeEvents.registry.attrRegistryName, 'EventBridge schema registry with the outcome events\' schemas');
    output('FunctionName', this.worker.function.functionName, 'The provisioner worker');
    output('LogGroupName', this.worker.logGroup.logGroupName, 'Log group of the worker');
    output('FivetranApiSecretId', apiSecretId, 'Secret holding {"apiKey","apiSecret"} of the Fivetran API key');
    output(
      'CredentialsSecretPrefix',
      this.settings.credentialsSecretPrefix,
      this.settings.credentialsScope === 'group'
        ? 'GitLab credential secrets must be named <this prefix><Fivetran group id>/<name>'
        : 'GitLab credential secrets must be named with this prefix',
    );
    if (this.alarms.topic !== undefined) output('AlarmTopicArn', this.alarms.topic.topicArn, 'SNS topic the alarms notify');
    if (this.backfills !== undefined) {
      output('BackfillFunctionName', this.backfills.function.functionName, 'The backfill function (its logs carry each run\'s runId)');
      if (this.backfills.manifestBucketName !== undefined) {
        output('ManifestBucketName', this.backfills.manifestBucketName, 'Bucket of the backfill manifests that name no bucket of their own');
      }
    }
    if (this.redrive !== undefined) output('RedriveFunctionName', this.redrive.function.functionName, 'The scheduled redrive function');
  }
}
