import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ProvisionerAlarmsProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly function: lambda.IFunction;
  /** Alarm when the oldest request has waited longer than this. */
  readonly oldestMessageAgeThreshold: Duration;
  /** ARN of an existing topic to notify on alarm and recovery. */
  readonly alarmTopicArn?: string | undefined;
  /** Address to notify; creates an encrypted topic with this subscription. */
  readonly alarmEmail?: string | undefined;
}

/** The alarms an operator needs, notifying an SNS topic when one is given or created. */
export class ProvisionerAlarms extends Construct {
  readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
  readonly oldestMessageTooOld: cloudwatch.Alarm;
  readonly functionErrors: cloudwatch.Alarm;
  readonly functionThrottles: cloudwatch.Alarm;
  /** The topic alarms notify, if any. */
  readonly topic?: sns.ITopic | undefined;
  /** Alarms added after construction: the other functions' and the backfill's. */
  private readonly added: cloudwatch.Alarm[] = [];
  private readonly action?: SnsAction | undefined;

  constructor(scope: Construct, id: string, props: ProvisionerAlarmsProps) {
    super(scope, id);

    const fiveMinutes = Duration.minutes(5);
    this.deadLetterQueueNotEmpty = new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmpty', {
      alarmDescription:
        'A provisioning request was delivered maxReceiveCount times without an outcome and now sits in the dead-letter queue. Inspect it, fix the cause, then redrive it.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageTooOld = new cloudwatch.Alarm(this, 'OldestMessageTooOld', {
      alarmDescription: `A provisioning request has waited more than ${props.oldestMessageAgeThreshold.toHumanString()}: the worker is failing, throttled or held back by Fivetran's rate limits.`,
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: props.oldestMessageAgeThreshold.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // The worker reports failed records per item, so an invocation error means the whole batch failed
    // (a crash, a timeout or a configuration error at cold start).
    this.functionErrors = new cloudwatch.Alarm(this, 'FunctionErrors', {
      alarmDescription: 'The provisioner function failed whole invocations (crash, timeout or bad configuration). See its log group.',
      metric: props.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.functionThrottles = new cloudwatch.Alarm(this, 'FunctionThrottles', {
      alarmDescription: 'Lambda throttled the provisioner function: the account or its concurrency limit is exhausted.',
      metric: props.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.topic =
      props.alarmTopicArn !== undefined
        ? sns.Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn)
        : props.alarmEmail !== undefined
          ? this.createEmailTopic(props.alarmEmail)
          : undefined;
    if (this.topic !== undefined) {
      this.action = new SnsAction(this.topic);
      for (const alarm of this.alarms) this.notify(alarm);
    }
  }

  get alarms(): cloudwatch.Alarm[] {
    return [this.deadLetterQueueNotEmpty, this.oldestMessageTooOld, this.functionErrors, this.functionThrottles, ...this.added];
  }

  /**
   * Errors and throttles of another of the provisioner's functions (`<id>Errors`, `<id>Throttles`).
   * Scheduled functions run rarely, so one failed invocation is worth an alarm.
   */
  watchFunction(id: string, fn: lambda.IFunction, label: string): cloudwatch.Alarm[] {
    const fiveMinutes = Duration.minutes(5);
    return [
      this.add(`${id}Errors`, {
        alarmDescription: `The ${label} function failed an invocation (crash, timeout or bad configuration). See its log group.`,
        metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      }),
      this.add(`${id}Throttles`, {
        alarmDescription: `Lambda throttled the ${label} function: the account or its concurrency limit is exhausted.`,
        metric: fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      }),
    ];
  }

  /** An alarm at one or more in a period, missing data not breaching, notifying the topic. */
  add(id: string, props: { alarmDescription: string; metric: cloudwatch.IMetric }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.added.push(alarm);
    this.notify(alarm);
    return alarm;
  }

  private notify(alarm: cloudwatch.Alarm): void {
    if (this.action === undefined) return;
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }

  private createEmailTopic(email: string): sns.Topic {
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic gets its own key.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the Fivetran provisioner alarm topic',
      enableKeyRotation: true,
      // The topic holds no data at rest worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // Only for alarms of this account and region: without the conditions, CloudWatch acting for any
    // account's alarm could use the key (the confused-deputy problem).
    const stack = Stack.of(this);
    const alarmsHere = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': alarmsHere },
        },
      }),
    );
    const topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'Fivetran provisioner alarms' });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}
