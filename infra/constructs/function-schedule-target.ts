import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';

/**
 * The role EventBridge Scheduler assumes to invoke one function from the
 * schedules of one group. Only Scheduler, for this account and this group,
 * may assume it (the confused-deputy conditions AWS recommends), and it may
 * only invoke that function, unqualified.
 *
 * The stock `LambdaInvoke` target of aws-scheduler-targets grants through
 * `grantInvoke`, which adds every version and alias (`<function ARN>:*`): a
 * wildcard cdk-nag rightly flags and this role does not need.
 */
export class SchedulerInvokeRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: { fn: lambda.IFunction; group: scheduler.IScheduleGroup; description: string }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: props.description,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': props.group.scheduleGroupArn } },
      }),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeOneFunction', actions: ['lambda:InvokeFunction'], resources: [props.fn.functionArn] }),
    );
  }
}

/**
 * A schedule target that invokes a Lambda function (asynchronously, as
 * Scheduler always does) with a JSON input, through a given role. Scheduler
 * retries only a failed hand-over to Lambda, never a failed run; a few tries
 * within an hour ride out throttling without piling up late runs.
 */
export class FunctionScheduleTarget implements scheduler.IScheduleTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    private readonly role: iam.IRole,
    private readonly input: scheduler.ScheduleTargetInput,
  ) {}

  bind(): scheduler.ScheduleTargetConfig {
    return {
      arn: this.fn.functionArn,
      role: this.role,
      input: this.input,
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: Duration.hours(1).toSeconds() },
    };
  }
}
