import { Duration, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createEsmFunction } from './esm-function';
import { FunctionScheduleTarget, SchedulerInvokeRole } from './function-schedule-target';

export const REDRIVE_HANDLER_ENTRY = 'functions/redrive/handler.ts';

/** When dead letters are moved back, as the stack property declares it. */
export interface RedriveSchedule {
  /** EventBridge Scheduler expression: `cron(0 6 * * ? *)` or `rate(6 hours)`. */
  readonly schedule: string;
  /** IANA time zone the cron expression is read in. @default 'UTC' */
  readonly timeZone?: string | undefined;
  /** StartMessageMoveTask's MaxNumberOfMessagesPerSecond (1 to 500). @default 10 */
  readonly maxMessagesPerSecond?: number | undefined;
}

export interface ScheduledRedriveProps extends RedriveSchedule {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  /** The function's environment, rendered from the settings table (shared/runtime/settings.ts). */
  readonly environment: Record<string, string>;
  /** The group the schedules are in, for the confused-deputy condition of the Scheduler role. */
  readonly scheduleGroup: scheduler.IScheduleGroup;
}

/**
 * A schedule that moves dead-lettered requests back to the provisioning
 * queue with an SQS move task at a bounded rate. The function's role holds
 * what AWS documents for a dead-letter queue redrive: on the dead-letter
 * queue StartMessageMoveTask and ListMessageMoveTasks plus ReceiveMessage,
 * DeleteMessage and GetQueueAttributes (SQS moves the messages with the
 * caller's permissions), and SendMessage on the destination only.
 */
export class ScheduledRedrive extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ScheduledRedriveProps) {
    super(scope, id);

    const parts = createEsmFunction(this, {
      entry: REDRIVE_HANDLER_ENTRY,
      description: 'Moves dead-lettered provisioning requests back to the provisioning queue with an SQS move task',
      roleDescription: 'Fivetran provisioner scheduled redrive',
      timeout: Duration.seconds(30),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    this.function = parts.function;
    this.logGroup = parts.logGroup;
    this.role = parts.role;

    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'MoveDeadLetters',
        actions: [
          'sqs:StartMessageMoveTask',
          'sqs:ListMessageMoveTasks',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        resources: [props.deadLetterQueue.queueArn],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'SendToProvisioningQueue', actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }),
    );

    const invoker = new SchedulerInvokeRole(this, 'SchedulerRole', {
      fn: this.function,
      group: props.scheduleGroup,
      description: 'Lets EventBridge Scheduler start the provisioner redrive',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Moves dead-lettered provisioning requests back to the provisioning queue',
      schedule: scheduler.ScheduleExpression.expression(props.schedule, TimeZone.of(props.timeZone ?? 'UTC')),
      target: new FunctionScheduleTarget(this.function, invoker.role, scheduler.ScheduleTargetInput.fromObject({ source: 'schedule' })),
    });
  }
}
