import { Annotations, ArnFormat, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { renderEnvironment } from '../shared/runtime/settings';
import { BackfillSchedules } from './constructs/backfill-schedules';
import { ConnectionLifecycle } from './constructs/connection-lifecycle';
import { OutcomeEvents } from './constructs/outcome-events';
import { ProvisionerAlarms } from './constructs/provisioner-alarms';
import { ProvisionerDashboard, provisionerMetric } from './constructs/provisioner-dashboard';
import { ProvisionerFunction } from './constructs/provisioner-function';
import { ProvisioningQueue } from './constructs/provisioning-queue';
import { ScheduledRedrive } from './constructs/scheduled-redrive';
import { SubscriberRules } from './constructs/subscriber-rules';
import { backfillEventSchema, lifecycleEventSchemas } from './event-schemas';
import { acknowledgeNagFinding } from './nag';
import {
  knobValues,
  type ProvisionerStackProps,
  queueVisibilityTimeout,
  type ResolvedProvisionerSettings,
  resolveProvisionerSettings,
} from './provisioner-props';
import { provisionerWarnings, validateProvisionerProps } from './validate-props';

export { type ProvisionerStackProps, queueVisibilityTimeout, type ResolvedProvisionerSettings } from './provisioner-props';

/** Fivetran GitLab connection provisioner: SQS requests in, a Lambda worker, EventBridge outcome events out. */
export class ProvisionerStack extends Stack {
  readonly settings: ResolvedProvisionerSettings;
  readonly queue: ProvisioningQueue;
  readonly worker: ProvisionerFunction;
  readonly outcomeEvents: OutcomeEvents;
  readonly alarms: ProvisionerAlarms;
  readonly dashboard: ProvisionerDashboard;
  /** Subscribers' rules and the bus policy for other accounts, when either is declared. */
  readonly subscribers?: SubscriberRules | undefined;
  /** The backfill function and its schedules, when backfills are declared. */
  readonly backfills?: BackfillSchedules | undefined;
  /** The scheduled redrive, when `redriveSchedule` is set. */
  readonly redrive?: ScheduledRedrive | undefined;
  /** The ledger, the rotation fan-out and the drift check. */
  readonly lifecycle: ConnectionLifecycle;
  /** The API key secret, when the stack created it. */
  readonly fivetranApiSecret?: secretsmanager.Secret | undefined;

  constructor(scope: Construct, id: string, props: ProvisionerStackProps = {}) {
    super(scope, id, {
      ...props,
      description: props.description ?? 'Fivetran GitLab connection provisioner: SQS requests, a Lambda worker, EventBridge outcome events',
    });

    const s = resolveProvisionerSettings(props, this.stackName);
    validateProvisionerProps(s);
    for (const warning of provisionerWarnings(s)) Annotations.of(this).addWarningV2('fivetran-provisioner:settings', warning);
    this.settings = s;
    const values = knobValues(s);

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

    this.lifecycle = new ConnectionLifecycle(this, 'Lifecycle', {
      queue: this.queue.queue,
      credentialsSecretPrefix: s.credentialsSecretPrefix,
      driftCheckInterval: s.driftCheckInterval,
      logRetention: s.logRetention,
      rotationEnvironment: (ledgerTableName) =>
        renderEnvironment('rotation', { ...values, ledgerTableName, queueUrl: this.queue.queue.queueUrl }),
      driftEnvironment: (ledgerTableName) =>
        renderEnvironment('drift', { ...values, ledgerTableName, queueUrl: this.queue.queue.queueUrl }),
    });
    this.outcomeEvents.registerSchemas(lifecycleEventSchemas(s.eventSource));

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
      environment: renderEnvironment('provision', {
        ...values,
        fivetranApiSecretId: apiSecret.id,
        eventBusName: this.outcomeEvents.eventBus.eventBusName,
        ledgerTableName: this.lifecycle.table.tableName,
      }),
    });
    this.lifecycle.grantWorker(this.worker.function);

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
        environment: renderEnvironment('backfill', {
          ...values,
          fivetranApiSecretId: apiSecret.id,
          eventBusName: this.outcomeEvents.eventBus.eventBusName,
          queueUrl: this.queue.queue.queueUrl,
          ledgerTableName: this.lifecycle.table.tableName,
        }),
      });
      this.lifecycle.grantBackfill(this.backfills.function);
      this.outcomeEvents.registerSchema(backfillEventSchema(s.eventSource));
    }
    if (scheduleGroup !== undefined && s.redriveSchedule !== undefined) {
      this.redrive = new ScheduledRedrive(this, 'Redrive', {
        ...s.redriveSchedule,
        queue: this.queue.queue,
        deadLetterQueue: this.queue.deadLetterQueue,
        logRetention: s.logRetention,
        environment: renderEnvironment('redrive', {
          ...values,
          deadLetterQueueUrl: this.queue.deadLetterQueue.queueUrl,
          deadLetterQueueArn: this.queue.deadLetterQueue.queueArn,
          destinationQueueArn: this.queue.queue.queueArn,
          ...(s.redriveSchedule.maxMessagesPerSecond === undefined ? {} : { maxMessagesPerSecond: s.redriveSchedule.maxMessagesPerSecond }),
        }),
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

    this.watchScheduledFunctions();
    this.dashboard = new ProvisionerDashboard(this, 'Operations', {
      queue: this.queue.queue,
      deadLetterQueue: this.queue.deadLetterQueue,
      functions: [
        { label: 'worker', fn: this.worker.function },
        ...(this.backfills === undefined ? [] : [{ label: 'backfill', fn: this.backfills.function }]),
        ...(this.redrive === undefined ? [] : [{ label: 'redrive', fn: this.redrive.function }]),
        { label: 'rotation', fn: this.lifecycle.rotation },
        { label: 'drift', fn: this.lifecycle.drift },
      ],
      backfills: this.backfills !== undefined,
      alarms: this.alarms.alarms,
    });

    if (s.subscriberRules.length > 0 || s.subscriberAccess !== undefined) {
      this.subscribers = new SubscriberRules(this, 'Subscribers', {
        eventBus: this.outcomeEvents.eventBus,
        eventSource: s.eventSource,
        rules: s.subscriberRules,
        access: s.subscriberAccess,
      });
    }

    this.addOutputs(apiSecret.id);
  }

  /** Errors and throttles of the backfill and redrive functions, and every aborted backfill run. */
  private watchScheduledFunctions(): void {
    if (this.backfills !== undefined) {
      this.alarms.watchFunction('Backfill', this.backfills.function, 'backfill');
      this.alarms.add('BackfillAborted', {
        alarmDescription:
          'A backfill run stopped before the end of its manifest. Its Backfill Completed event (status aborted) and the log lines with its runId say why and where.',
        metric: provisionerMetric('backfill', 'BackfillsAborted', { period: Duration.minutes(5) }),
      });
    }
    if (this.redrive !== undefined) this.alarms.watchFunction('Redrive', this.redrive.function, 'scheduled redrive');
    this.alarms.watchFunction('Rotation', this.lifecycle.rotation, 'rotation fan-out');
    this.alarms.watchFunction('Drift', this.lifecycle.drift, 'drift check');
    this.alarms.add('CredentialsSetupTestsFailed', {
      alarmDescription:
        "Fivetran's setup tests failed with re-applied GitLab credentials: the connection is broken until someone acts. The Connection Lifecycle Request Failed event (SETUP_TESTS_FAILED) names it; docs/operate.md says what to do.",
      metric: provisionerMetric('provision', 'CredentialsSetupTestsFailed', { period: Duration.minutes(5) }),
    });
    this.alarms.add('RotationDeadLetterQueueNotEmpty', {
      alarmDescription:
        'A Secret Label Updated event could not be fanned out after every retry and sits in the rotation dead-letter queue. The drift check re-applies within its interval; look at the rotation function logs for why.',
      metric: this.lifecycle.rotationDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    });
  }

  /**
   * The API key secret: created empty, or an existing one. Returns the id the
   * worker is given and the ARN its IAM statement names.
   */
  private fivetranApiSecretReference(existing: string | undefined): { id: string; policyArn: string; created?: secretsmanager.Secret } {
    if (existing === undefined) {
      const created = new secretsmanager.Secret(this, 'FivetranApiSecret', {
        description:
          'Fivetran API key of the provisioner, as JSON with the fields apiKey and apiSecret. Created empty: put the value with aws secretsmanager put-secret-value.',
      });
      // Without GenerateSecretString CloudFormation creates the secret with no value: nothing secret is
      // generated into (or could leak from) the template, and the worker fails loudly until it is filled.
      (created.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
      acknowledgeNagFinding(
        created,
        'AwsSolutions-SMG4',
        'The Fivetran API key is issued in the Fivetran dashboard, and Secrets Manager cannot rotate it: there is no rotation function for it. Operators rotate it in Fivetran and put the new value (see docs/deploy.md).',
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
    output('ProvisioningQueueArn', this.queue.queue.queueArn, "ARN of the provisioning queue, for the senders' IAM policies");
    output('DeadLetterQueueUrl', this.queue.deadLetterQueue.queueUrl, 'Requests that failed every delivery');
    output(
      'DeadLetterQueueArn',
      this.queue.deadLetterQueue.queueArn,
      'ARN of the dead-letter queue, for redriving (sqs start-message-move-task)',
    );
    output('EventBusName', this.outcomeEvents.eventBus.eventBusName, 'Bus the outcome events are published on');
    output('EventBusArn', this.outcomeEvents.eventBus.eventBusArn, "ARN of the bus, for subscribers' rules");
    output('EventSource', this.settings.eventSource, 'source of the outcome events');
    output(
      'SchemaRegistryName',
      this.outcomeEvents.registry.attrRegistryName,
      "EventBridge schema registry with the outcome events' schemas",
    );
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
      output('BackfillFunctionName', this.backfills.function.functionName, "The backfill function (its logs carry each run's runId)");
      if (this.backfills.manifestBucketName !== undefined) {
        output(
          'ManifestBucketName',
          this.backfills.manifestBucketName,
          'Bucket of the backfill manifests that name no bucket of their own',
        );
      }
    }
    if (this.redrive !== undefined) output('RedriveFunctionName', this.redrive.function.functionName, 'The scheduled redrive function');
    output(
      'LedgerTableName',
      this.lifecycle.table.tableName,
      'The ledger: requests settled and connections made (LEDGER_TABLE_NAME of the CLI)',
    );
    output('RotationFunctionName', this.lifecycle.rotation.functionName, 'The rotation fan-out function');
    output('DriftFunctionName', this.lifecycle.drift.functionName, 'The scheduled drift check function');
  }
}
